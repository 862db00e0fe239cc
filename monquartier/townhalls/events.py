"""What the notifications the town hall sends say (notifications/events.py), registered
from TownhallsConfig.ready(); the values come from the notification's data."""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "town_hall_message": (
            _("Message de %(town_hall)s pour « %(community)s »"),
            _("%(town_hall)s écrit aux référents de « %(community)s » : %(text)s"),
        ),
    }
