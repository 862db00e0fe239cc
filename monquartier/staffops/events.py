"""What the notifications of staff operations say (notifications/events.py).

Registered from the AppConfig.ready(); the values come from the notification's data.
"""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "community_merged": (
            _("Votre communauté s'agrandit : « %(community)s »"),
            _(
                "Avec l'accord de leurs référents, l'équipe MonQuartier a réuni %(merged)s en une seule communauté, « %(community)s ». Vous en êtes membre : alertes, gazette et historique sont au même endroit, et les référents restent référents."
            ),
        ),
        "community_area_changed": (
            _("Le périmètre de « %(community)s » a changé"),
            _(
                "L'équipe MonQuartier a modifié le périmètre de votre communauté pour qu'il ne chevauche plus une communauté voisine. Vous pouvez le voir sur la page de la communauté."
            ),
        ),
        "rural_exemption_changed": (
            _("Dérogation rurale de « %(community)s »"),
            _(
                "L'équipe MonQuartier a modifié la dérogation rurale de votre communauté : %(change)s."
            ),
        ),
    }
