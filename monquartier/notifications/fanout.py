"""An alert's fan-out: one Delivery row per (alert, recipient, channel), written in bulk.

Who gets what (PRODUCT.md, Alerts):
- the community's active members: push and e-mail at once; SMS after the delay, unless
  they read the alert first — at once for phone-only members (no e-mail, no device);
- the members of twinned communities: e-mail only, never SMS;
- the commune's partner town hall contacts: e-mail and SMS at once.
The sender of the alert receives none of it. The unique constraints make a second run
(after a worker died mid-way) write nothing new.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.communities.models import MembershipStatus
from monquartier.communities.services import twinned_community_ids
from monquartier.notifications.models import Channel, Delivery, PushSubscription
from monquartier.notifications.services import wake_senders
from monquartier.townhalls.models import TownHallContact

COMMUNITY, TWINNED, TOWN_HALL = "community", "twinned", "townhall"
INSERT_BATCH = 2_000


def sms_delay() -> timedelta:
    return timedelta(seconds=settings.ALERT_SMS_DELAY_SECONDS)


def _members(community_ids, exclude_user_id):
    return (
        User.objects.filter(
            memberships__community_id__in=community_ids,
            memberships__status=MembershipStatus.ACTIVE,
            is_active=True,
        )
        .exclude(pk=exclude_user_id)
        .values_list("pk", "email", "mobile", "mobile_verified", "alert_sms")
    )


def alert_deliveries(alert) -> list[Delivery]:
    now = timezone.now()
    sms_due = max(alert.created_at + sms_delay(), now)
    members = list(_members([alert.community_id], alert.sender_id))
    with_push = set(
        PushSubscription.objects.filter(user_id__in=[member[0] for member in members])
        .values_list("user_id", flat=True)
        .distinct()
    )
    rows = []
    for user_id, email, mobile, mobile_verified, wants_sms in members:
        has_push = user_id in with_push
        if email:
            rows.append(
                Delivery(
                    alert=alert,
                    user_id=user_id,
                    channel=Channel.EMAIL,
                    address=email,
                    audience=COMMUNITY,
                )
            )
        if has_push:
            rows.append(
                Delivery(alert=alert, user_id=user_id, channel=Channel.PUSH, audience=COMMUNITY)
            )
        phone_only = not email and not has_push
        # alert_sms is off only if the member chose it with push (preferences.py) or
        # answered STOP by SMS, which is always honoured.
        if mobile and mobile_verified and wants_sms:
            rows.append(
                Delivery(
                    alert=alert,
                    user_id=user_id,
                    channel=Channel.SMS,
                    address=str(mobile),
                    audience=COMMUNITY,
                    due_at=now if phone_only else sms_due,
                )
            )
    twinned = twinned_community_ids(alert.community_id)
    if twinned:
        rows.extend(
            Delivery(
                alert=alert, user_id=user_id, channel=Channel.EMAIL, address=email, audience=TWINNED
            )
            for user_id, email, *_rest in _members(twinned, alert.sender_id)
            if email
        )
    for contact in TownHallContact.objects.active().filter(commune_id=alert.community.commune_id):
        if contact.email:
            rows.append(
                Delivery(
                    alert=alert,
                    contact=contact,
                    channel=Channel.EMAIL,
                    address=contact.email,
                    audience=TOWN_HALL,
                )
            )
        if contact.mobile:
            rows.append(
                Delivery(
                    alert=alert,
                    contact=contact,
                    channel=Channel.SMS,
                    address=str(contact.mobile),
                    audience=TOWN_HALL,
                )
            )
    return rows


@transaction.atomic
def fan_out_alert(alert) -> int:
    """Write the alert's deliveries and wake the senders, in one transaction."""
    rows = alert_deliveries(alert)
    # A member of two communities (impossible today) or a second run: the unique
    # constraints keep one row per (alert, recipient, channel).
    Delivery.objects.bulk_create(rows, batch_size=INSERT_BATCH, ignore_conflicts=True)
    now = timezone.now()
    type(alert).objects.filter(pk=alert.pk).update(fanned_out_at=now)
    copies = settings.ALERT_SENDER_TASKS
    immediate = {row.channel for row in rows if row.due_at <= now}
    if immediate:
        wake_senders(immediate, copies=copies)
    delayed = [row.due_at for row in rows if row.due_at > now]
    if delayed:
        wake_senders([Channel.SMS], at=max(delayed), copies=copies)
    return len(rows)
