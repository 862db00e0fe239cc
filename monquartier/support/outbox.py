"""How the outbox sends the desk's e-mails (outbox/sources.py). Registered from
SupportConfig.ready()."""

from django.conf import settings
from django.urls import reverse

from monquartier.notifications.links import absolute_link
from monquartier.outbox.models import Delivery
from monquartier.outbox.rendering import personalise, render_email
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email
from monquartier.support import links
from monquartier.support.models import EmailPurpose, SupportEmail

# Sent to the account that impersonated someone: it cannot log in, so no personal link.
_TO_THE_SUSPENDED = {
    EmailPurpose.ACCOUNT_SUSPENDED,
    EmailPurpose.ACCOUNT_RESTORED,
    EmailPurpose.ACCOUNT_CLOSED,
}


def _link(email: SupportEmail) -> str:
    ticket = email.ticket
    if email.purpose in _TO_THE_SUSPENDED:
        if email.purpose == EmailPurpose.ACCOUNT_RESTORED:
            return settings.SITE_URL + reverse("account_login")
        return settings.SITE_URL + reverse("support:contact")
    if ticket.requester_id is not None and ticket.requester is not None:
        if ticket.requester.is_staff:
            return settings.SITE_URL + reverse("support:my_ticket", args=[ticket.pk])
        return absolute_link(ticket.requester, reverse("support:my_ticket", args=[ticket.pk]))
    return links.reply_link(ticket)


def support_email(delivery: Delivery) -> Email:
    email = delivery.support_email
    if email is None:
        raise ValueError(f"Delivery {delivery.pk} carries no support e-mail")
    ticket = email.ticket
    if email.purpose in _TO_THE_SUSPENDED:
        greeted = ""
    elif ticket.requester is not None:
        greeted = ticket.requester.first_name
    else:
        greeted = ticket.visitor_name
    rendered = render_email(
        "support/email/support",
        {
            "email": email,
            "ticket": ticket,
            "message": email.message,
            "user": {"first_name": greeted},
            "link": LINK,
            "purposes": EmailPurpose,
        },
        email.language,
    )
    return personalise(rendered, _link(email), to=delivery.address, delivery_id=delivery.pk)


SOURCE = Source(
    field="support_email",
    queryset=lambda: SupportEmail.objects.select_related("ticket", "ticket__requester", "message"),
    email=support_email,
)
