"""What the notifications about held alerts say (notifications/events.py), registered
from AlertsConfig.ready(); the values come from the notification's data."""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "alert_held": (
            _("Une alerte de « %(community)s » attend votre vérification"),
            _(
                "Une alerte %(category)s reçue par téléphone est retenue (%(why)s). Relisez-la et décidez vite : l'envoyer ou la refuser."
            ),
        ),
        "alert_held_late": (
            _("Alerte retenue sans décision à « %(community)s »"),
            _(
                "Une alerte %(category)s de « %(community)s » attend toujours une décision (%(why)s). Personne ne l'a encore relue."
            ),
        ),
    }
