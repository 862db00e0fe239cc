"""Recording what people should hear about, and the outbox rows that carry it.

`notify` is called by every app's services, inside their transaction: the Notification
rows, the Delivery rows for those who want it at once, and the task that wakes the
senders are written together, so nothing is lost if a process dies after the commit.
"""

from collections.abc import Iterable
from datetime import datetime

from monquartier.notifications import preferences
from monquartier.notifications.models import (
    Channel,
    Delivery,
    Mode,
    Notification,
    PushSubscription,
    TextMessage,
)
from monquartier.notifications.sms.gsm7 import to_gsm7
from monquartier.notifications.tasks import send_text_message

_SEND_ORDER = (Channel.PUSH, Channel.EMAIL, Channel.SMS)


def wake_senders(channels: Iterable[str], *, at: datetime | None = None, copies: int = 1) -> None:
    """Enqueue sender tasks per channel, now or at a given time (the alert SMS). With
    copies > 1, several workers share a big batch (each claims its own rows)."""
    from monquartier.notifications.tasks import deliver

    if at is not None and not deliver.get_backend().supports_defer:
        return  # a backend that cannot wait (tests, immediate): the sweep sends them when due
    task = deliver.using(run_after=at) if at is not None else deliver
    # Workers take tasks in the order they were written: push first (a phone shows it in
    # seconds), then e-mail, then SMS.
    for channel in sorted(set(channels), key=_SEND_ORDER.index):
        for _copy in range(copies):
            task.enqueue(channel=channel)


def send_text(to: str, text: str, *, purpose: str, account=None, community=None) -> TextMessage:
    """One SMS outside the alert outbox (a reply, a request for consent), counted in the
    same transaction as the task that sends it: the flood limits count these rows."""
    record = TextMessage.objects.create(
        purpose=purpose, to=to, account=account, community=community
    )
    # Plain GSM-7: one SMS, never the costlier UCS-2.
    send_text_message.enqueue(to=to, text=to_gsm7(text))
    return record


def deliveries_for_notifications(notifications: list[Notification]) -> list[Delivery]:
    """E-mail and push rows for notifications sent at once (never SMS: the spec keeps SMS
    for alerts, verification codes and replies to SMS commands)."""
    if not notifications:
        return []
    recipient_ids = {notification.recipient_id for notification in notifications}
    with_push = set(
        PushSubscription.objects.filter(user_id__in=recipient_ids)
        .values_list("user_id", flat=True)
        .distinct()
    )
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
