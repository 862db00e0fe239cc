"""How the outbox sends a notification and a digest (outbox/sources.py): their e-mails
and pushes. Registered from NotificationsConfig.ready()."""

from django.utils import translation

from monquartier.notifications import events
from monquartier.notifications.links import SIGNED_USER_FIELDS, absolute_link
from monquartier.notifications.models import Digest, Notification
from monquartier.outbox.models import Delivery
from monquartier.outbox.rendering import personalise, render_email
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email


def _member(delivery: Delivery):
    if delivery.user is None:
        raise ValueError(f"Delivery {delivery.pk}: notifications go to members")
    return delivery.user


def notification_email(delivery: Delivery) -> Email:
    notification = delivery.notification
    user = _member(delivery)
    if notification is None:
        raise ValueError(f"Delivery {delivery.pk} carries no notification")
    with translation.override(user.language):
        subject, line = events.describe(notification)
    rendered = render_email(
        "notifications/email/notification",
        {"subject": subject, "line": line, "link": LINK, "user": user},
        user.language,
    )
    link = absolute_link(user, notification.url or "/")
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def notification_push_payload(notification: Notification, language: str) -> dict:
    with translation.override(language):
        subject, line = events.describe(notification)
    return {
        "title": subject,
        "body": line,
        "url": notification.url or "/",
        "tag": f"notification-{notification.pk}",
    }


def digest_email(delivery: Delivery) -> Email:
    digest = delivery.digest
    user = _member(delivery)
    if digest is None:
        raise ValueError(f"Delivery {delivery.pk} carries no digest")
    notifications = list(
        digest.notifications.select_related("community").order_by("kind", "created_at")
    )
    with translation.override(user.language):
        items = [
            (*events.describe(notification), absolute_link(user, notification.url or "/"))
            for notification in notifications
        ]
    # Each item carries its own link: the digest is rendered for this member only.
    rendered = render_email(
        "notifications/email/digest",
        {"user": user, "day": digest.day, "items": items, "link": LINK},
        user.language,
    )
    return personalise(
        rendered, absolute_link(user, "/"), to=delivery.address, delivery_id=delivery.pk
    )


NOTIFICATION = Source(
    field="notification",
    queryset=lambda: Notification.objects.select_related("community"),
    email=notification_email,
    push=notification_push_payload,
    member_fields=("language", *SIGNED_USER_FIELDS),
)
DIGEST = Source(
    field="digest",
    queryset=Digest.objects.all,
    email=digest_email,
    member_fields=("language", *SIGNED_USER_FIELDS),
)
