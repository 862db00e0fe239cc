"""What the notifications about reports and exclusions say (notifications/events.py).

Registered from the AppConfig.ready(); the values come from the notification's data.
"""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "excluded": (
            _("Vous ne faites plus partie de « %(community)s »"),
            _("Après examen, l'équipe MonQuartier vous a retiré de la communauté."),
        ),
        "exclusion_rejected": (
            _("Demande d'exclusion non retenue"),
            _(
                "Après examen, l'équipe MonQuartier n'a pas retenu votre demande d'exclusion %(de_member)s."
            ),
        ),
        "report_decided": (
            _("Votre signalement a été examiné"),
            _(
                "L'équipe MonQuartier a examiné votre signalement (%(item)s) : %(outcome)s. Merci de votre vigilance."
            ),
        ),
    }
