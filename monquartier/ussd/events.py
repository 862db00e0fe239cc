"""What the notification of a call-back request says (notifications/events.py)."""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    return {
        "ussd_callback": (
            _("Un voisin demande à être rappelé"),
            _(
                "Quelqu'un sans compte a demandé depuis le menu USSD qu'un référent de « %(community)s » le rappelle au %(phone)s, pour l'inscrire."
            ),
        ),
    }
