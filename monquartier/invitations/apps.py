from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvitationsConfig(AppConfig):
    name = "monquartier.invitations"
    label = "invitations"
    verbose_name = _("Invitations")

    def ready(self) -> None:
        # Wiring into the apps below: the outbox learns how an invitation goes by SMS and
        # e-mail, its scheduler when to forget the invitees; allauth's sign-up tells us
        # who came through an invitation.
        from monquartier.invitations import jobs, outbox, receivers  # noqa: F401
        from monquartier.outbox import sources

        sources.register(outbox.SOURCE)
        jobs.register()
