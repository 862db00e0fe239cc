"""The link that lets a visitor follow and answer their ticket, and nothing else.

It names the ticket and carries its reply key, signed with the site's secret: it opens
that ticket's thread and its reply form, never an account (a visitor has none, and a
member's ticket is answered from their account). Staff void every link sent before by
giving the ticket a new key.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from monquartier.support.models import Ticket

REPLY_LINK_MAX_AGE = 90 * 24 * 3600
_SALT = "monquartier.support.reply"


def reply_token(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk, "k": ticket.reply_key.hex}, salt=_SALT)


def reply_path(ticket: Ticket) -> str:
    return reverse("support:visitor_ticket", args=[reply_token(ticket)])


def reply_link(ticket: Ticket) -> str:
    return settings.SITE_URL + reply_path(ticket)


def ticket_for_token(token: str) -> Ticket | None:
    """The visitor's ticket, or None for a link forged, expired or voided."""
    if len(token) > 200:
        return None
    try:
        data = signing.loads(token, salt=_SALT, max_age=REPLY_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    ticket = Ticket.objects.filter(pk=data["t"], requester__isnull=True).first()
    if ticket is None or ticket.reply_key.hex != data.get("k"):
        return None
    return ticket
