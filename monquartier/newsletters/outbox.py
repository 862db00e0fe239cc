"""How the outbox sends a newsletter (outbox/sources.py): one e-mail per member, with the
one-click unsubscribe of RFC 8058 in its headers and at its foot. Registered from
NewslettersConfig.ready()."""

from django.conf import settings
from django.urls import reverse

from monquartier.accounts.models import User
from monquartier.newsletters import markup
from monquartier.newsletters.models import Newsletter
from monquartier.newsletters.tokens import unsubscribe_token
from monquartier.outbox.models import Delivery
from monquartier.outbox.rendering import Rendered, RenderedOnce, message_id, render_email
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email


def unsubscribe_url(user_id: int) -> str:
    return settings.SITE_URL + reverse(
        "newsletters:unsubscribe", kwargs={"token": unsubscribe_token(user_id)}
    )


def unsubscribe_mailbox() -> str:
    """Where mail clients that only know mailto: send the request (support reads it)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "monquartier.ci"
    return f"desabonnement@{domain}"


def unsubscribe_headers() -> tuple[tuple[str, str], ...]:
    # LINK becomes the member's own unsubscribe URL as the message leaves (transports).
    # Last, so that the header folds before it whatever its length: the transport then
    # copies one built message for every member (transports._Skeleton).
    return (
        ("List-Unsubscribe", f"<mailto:{unsubscribe_mailbox()}?subject=desabonnement>, <{LINK}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def render_newsletter(newsletter: Newsletter, language: str) -> Rendered:
    return render_email(
        "newsletters/email/newsletter",
        {
            "newsletter": newsletter,
            "body_html": markup.to_html(newsletter.text),
            "body_text": markup.to_text(newsletter.text),
            "link": LINK,
        },
        language,
    )


# A sent newsletter never changes: its rendering stays true for every batch.
_RENDERED = RenderedOnce(kept=8)


def newsletter_email(newsletter: Newsletter, user: User, *, to: str, message: str) -> Email:
    if newsletter.sent_at is not None:
        rendered = _RENDERED.get(
            (newsletter.pk, newsletter.sent_at, user.language),
            lambda: render_newsletter(newsletter, user.language),
        )
    else:  # a draft's preview or test: it may change before the next one
        rendered = render_newsletter(newsletter, user.language)
    return Email(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message,
        link=unsubscribe_url(user.pk),
        headers=unsubscribe_headers(),
    )


def delivery_email(delivery: Delivery) -> Email:
    newsletter, user = delivery.newsletter, delivery.user
    if newsletter is None or user is None:
        raise ValueError(f"Delivery {delivery.pk} carries no newsletter to a member")
    return newsletter_email(newsletter, user, to=delivery.address, message=message_id(delivery.pk))


def obsolete(deliveries: list[Delivery]) -> set[int]:
    """A member who unsubscribed after the send gets nothing more, even a queued row."""
    return {
        delivery.pk
        for delivery in deliveries
        if delivery.user is not None and not delivery.user.newsletter
    }


SOURCE = Source(
    field="newsletter",
    queryset=lambda: Newsletter.objects.all(),
    email=delivery_email,
    obsolete=obsolete,
    member_fields=("language", "newsletter"),
)
