from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownhallsConfig(AppConfig):
    name = "monquartier.townhalls"
    label = "townhalls"
    verbose_name = _("Mairies partenaires")

    def ready(self) -> None:
        from monquartier.townhalls import receivers  # noqa: F401
