"""What the notifications about the gazette say (notifications/events.py).

Registered from the AppConfig.ready(); the values come from the notification's data.
"""

from django.utils.translation import gettext as _


def texts() -> dict[str, tuple[str, str]]:
    # Built on each call: gettext must run in the recipient's language, not at import.
    return {
        "new_post": (
            _("Gazette : %(title)s"),
            _("%(author)s a publié « %(title)s » dans la gazette de « %(community)s »."),
        ),
    }
