"""Recording what people should hear about, and the outbox rows that carry it.

`notify` is called by every app's services, inside their transaction: the Notification
rows, the Delivery rows for those who want it at once, and the task that wakes the
senders are written together, so nothing is lost if a process dies after the commit.
"""

from monquartier.notifications import preferences
from monquartier.notifications.models import Mode, Notification
from monquartier.outbox.devices import users_with_push_device
from monquartier.outbox.models import Channel, Delivery
from monquartier.outbox.services import wake_senders


def deliveries_for_notifications(notifications: list[Notification]) -> list[Delivery]:
    """E-mail and push rows for notifications sent at once (never SMS: the spec keeps SMS
    for alerts, verification codes and replies to SMS commands)."""
    if not notifications:
        return []
    recipient_ids = {notification.recipient_id for notification in notifications}
    with_push = users_with_push_device(recipient_ids)
    rows = []
    for notification in notifications:
        email = notification.recipient.email
        if email:
            rows.append(
                Delivery(
                    notification=notification,
                    user_id=notification.recipient_id,
                    channel=Channel.EMAIL,
                    address=email,
                )
            )
        if notification.recipient_id in with_push:
            rows.append(
                Delivery(
                    notification=notification,
                    user_id=notification.recipient_id,
                    channel=Channel.PUSH,
                )
            )
    return rows


def notify(
    recipients, *, kind: str, event: str, community=None, actor=None, url: str = "", **data
) -> list[Notification]:
    """Tell each recipient, by their preference for `kind`: at once (e-mail and push), in
    the daily digest, or not at all."""
    recipients = [
        recipient for recipient in recipients if recipient.is_active and not recipient.is_closed
    ]
    if not recipients:
        return []
    modes = preferences.modes_for([recipient.pk for recipient in recipients], kind)
    rows = [
        Notification(
            recipient=recipient,
            kind=kind,
            event=event,
            community=community,
            actor=actor,
            url=url,
            data=data,
            for_digest=modes[recipient.pk] == Mode.DIGEST,
        )
        for recipient in recipients
        if modes[recipient.pk] != Mode.OFF
    ]
    created = Notification.objects.bulk_create(rows)
    instant = [
        notification for notification in created if modes[notification.recipient_id] == Mode.INSTANT
    ]
    deliveries = deliveries_for_notifications(instant)
    if deliveries:
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        # The sender tasks are rows of this same transaction: they exist if and only if
        # the deliveries do.
        wake_senders({delivery.channel for delivery in deliveries})
    return created
