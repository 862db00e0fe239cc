"""What the desk's notifications to staff say (notifications/events.py).

Registered from the AppConfig.ready(); the values come from the notification's data.
"""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "support_identity_theft": (
            _("Usurpation d'identité signalée (%(reference)s)"),
            _(
                "Quelqu'un signale un compte qui se fait passer pour une autre personne : "
                "vérifiez et suspendez-le si besoin."
            ),
        ),
        "support_answer": (
            _("Nouveau message sur la demande %(reference)s"),
            _("Le demandeur a répondu sur une demande qui vous est confiée."),
        ),
    }
