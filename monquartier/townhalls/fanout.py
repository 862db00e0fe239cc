"""A town-hall announcement's fan-out: one Delivery row per (announcement, member,
channel), chosen and written by the database in one INSERT … SELECT, like the alert's
(alerts/fanout.py): all the communities of a commune cost one statement.

Who gets what (PRODUCT.md, Partner town halls): the active members of the chosen
communities, by push (with a device) and e-mail (with an address); SMS only for an urgent
alert, to verified mobiles whose owner did not turn alert SMS off. A non-urgent
announcement skips the members who switched town-hall announcements off; an urgent one
reaches them anyway. The unique key (announcement, user, channel) and ON CONFLICT DO
NOTHING make a second run write nothing new.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.notifications.models import Mode, NotificationKind, NotificationPreference
from monquartier.outbox.devices import HAS_PUSH_DEVICE, push_device_tables
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.outbox.services import wake_senders
from monquartier.townhalls.models import Announcement

# Delivery.audience of these rows.
RESIDENTS = "community"

_COLUMNS = (
    "announcement_id",
    "user_id",
    "channel",
    "address",
    "audience",
    "due_at",
    "status",
    "attempts",
    "provider_id",
    "last_error",
    "created_at",
)

# {names} are our own quoted table names; every value is a parameter.
_MEMBERS = (
    "FROM {membership} m JOIN {user} u ON u.id = m.user_id "
    "WHERE m.community_id IN (SELECT c.community_id FROM {chosen} c WHERE c.announcement_id = %s) "
    "AND m.status = %s AND u.is_active = %s"
)
_NOT_OFF = (
    " AND NOT EXISTS (SELECT 1 FROM {preference} np WHERE np.user_id = u.id "
    "AND np.kind = %s AND np.mode = %s)"
)
_EMAIL = "SELECT u.id, %s, u.email " + _MEMBERS + " AND u.email IS NOT NULL AND u.email <> ''"
_HAS_PUSH = " AND " + HAS_PUSH_DEVICE  # a browser or an app
_PUSH = "SELECT u.id, %s, '' " + _MEMBERS + _HAS_PUSH
_SMS = (
    "SELECT u.id, %s, u.mobile "
    + _MEMBERS
    + " AND u.mobile <> '' AND u.mobile_verified = %s AND u.alert_sms = %s"
)
# "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT.
_INSERT = (
    "INSERT INTO {delivery} ({columns}) "  # nosec B608
    "SELECT %s, r.*, %s, %s, %s, 0, '', '', %s FROM ({branches}) AS r WHERE 1 = 1 "
    "ON CONFLICT DO NOTHING"
)


def _statement(urgent: bool) -> str:
    quote = connection.ops.quote_name
    names = {
        "user": quote(User._meta.db_table),
        "membership": quote(Membership._meta.db_table),
        **push_device_tables(),
        "preference": quote(NotificationPreference._meta.db_table),
        "chosen": quote(Announcement.communities.through._meta.db_table),
    }
    branches = [_EMAIL, _PUSH]
    if urgent:
        branches.append(_SMS)
    else:
        branches = [branch + _NOT_OFF for branch in branches]
    return _INSERT.format(
        delivery=quote(Delivery._meta.db_table),
        columns=", ".join(_COLUMNS),
        branches=" UNION ALL ".join(branch.format(**names) for branch in branches),
    )


def _parameters(announcement: Announcement, now_db) -> list:
    members = [announcement.pk, MembershipStatus.ACTIVE, True]
    not_off = [] if announcement.urgent else [NotificationKind.TOWN_HALL, Mode.OFF]
    parameters = [
        announcement.pk,
        # r.* is (user_id, channel, address); then audience, due_at, status.
        RESIDENTS,
        now_db,
        DeliveryStatus.QUEUED,
        now_db,
    ]
    parameters += [Channel.EMAIL, *members, *not_off]
    parameters += [Channel.PUSH, *members, *not_off]
    if announcement.urgent:
        parameters += [Channel.SMS, *members, True, True]
    return parameters


@transaction.atomic
def fan_out_announcement(announcement: Announcement) -> int:
    """Write the announcement's deliveries, record its SMS and wake the senders. Returns
    the number of rows written (none on a second run)."""
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_statement(announcement.urgent), _parameters(announcement, now_db))
        written = cursor.rowcount
    rows = Delivery.objects.filter(announcement=announcement)
    Announcement.objects.filter(pk=announcement.pk).update(
        fanned_out_at=timezone.now(), sms_count=rows.filter(channel=Channel.SMS).count()
    )
    queued = set(
        rows.filter(status=DeliveryStatus.QUEUED).values_list("channel", flat=True).distinct()
    )
    if queued:
        wake_senders(queued, copies=settings.ALERT_SENDER_TASKS)
    return written
