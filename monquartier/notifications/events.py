"""What each kind of event says, in one line, for e-mails, pushes and the digest.

A notification stores the event name and a few values captured when it happened (names,
a reason); the sentence is written when the message is made, in the recipient's language.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from monquartier.core.french import de
from monquartier.notifications.models import Notification

_TEXTS: list[Callable[[], dict[str, tuple[str, str]]]] = []


def register(texts: Callable[[], dict[str, tuple[str, str]]]) -> None:
    """Each app that notifies registers its events' texts (<app>/events.py), as a
    function: gettext must run in the recipient's language when the message is made."""
    if texts not in _TEXTS:
        _TEXTS.append(texts)


def _texts() -> dict[str, tuple[str, str]]:
    return {event: pair for texts in _TEXTS for event, pair in texts().items()}


def describe(notification: Notification) -> tuple[str, str]:
    """(subject, sentence) in the active language."""
    community = (
        notification.community.name
        if notification.community is not None
        else notification.data.get("community_name", "")
    )
    values = {**notification.data, "community": community}
    # « Demande d'adhésion d'Awa », « de Yao »: each name also comes with its « de ».
    values |= {f"de_{key}": de(value) for key, value in values.items() if isinstance(value, str)}
    subject, line = _texts().get(
        notification.event, (_("Nouvelle notification"), _("Il y a du nouveau sur MonQuartier."))
    )
    try:
        return subject % values, line % values
    except (KeyError, TypeError, ValueError):
        return _("Nouvelle notification"), _("Il y a du nouveau sur MonQuartier.")
