from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "monquartier.newsletters"
    label = "newsletters"
    verbose_name = _("Lettres d'information")

    def ready(self) -> None:
        # The outbox learns here how a newsletter's row becomes an e-mail.
        from monquartier.newsletters import outbox
        from monquartier.outbox import sources

        sources.register(outbox.SOURCE)
