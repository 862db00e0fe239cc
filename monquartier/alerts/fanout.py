"""An alert's fan-out: one Delivery row per (alert, recipient, channel), written in bulk.

Who gets what (PRODUCT.md, Alerts):
- the community's active members: push and e-mail at once; SMS after the delay, unless
  they read the alert first — at once for phone-only members (no e-mail, no device);
  a voice call, for those who chose it, on the same terms as the SMS;
- the members of twinned communities: e-mail only, never SMS;
- whoever an app above registers (alerts/audiences.py): the commune's partner town hall
  (its contacts and agents) and the police contacts it linked, at once
  (townhalls/audience.py).
The sender of the alert receives none of it.

The rows are chosen and written by the database in one INSERT … SELECT: a community of
a thousand costs one statement, not a thousand Python objects (TARGETS.md wants the
fan-out within 5 × a plain bulk insert of the same rows). The unique constraints and
ON CONFLICT DO NOTHING make a second run (after a worker died mid-way) write nothing new.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.alerts import audiences
from monquartier.communities.models import Membership, MembershipStatus, Twinning
from monquartier.outbox.devices import HAS_PUSH_DEVICE, push_device_tables
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.outbox.services import wake_senders

COMMUNITY, TWINNED = "community", "twinned"

# The outbox columns every branch of the INSERT fills, in this order.
_COLUMNS = (
    "alert_id",
    "user_id",
    "contact_id",
    "police_id",
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


def sms_delay() -> timedelta:
    return timedelta(seconds=settings.ALERT_SMS_DELAY_SECONDS)


# Chosen and written by the database. Each branch gives: user_id, contact_id, police_id,
# channel, address, audience, due_at. {names} are quoted table names (never input); the
# parameters come from _parameters, in the same order as the %s.
_MEMBERS = (
    "FROM {membership} m JOIN {user} u ON u.id = m.user_id "
    "WHERE m.community_id IN ({communities}) AND m.status = %s AND u.is_active = %s "
    "AND u.id <> %s"
)
_HAS_PUSH = HAS_PUSH_DEVICE  # a browser or an app
_HAS_EMAIL = "(u.email IS NOT NULL AND u.email <> '')"
_BRANCHES = (
    # E-mail: the community and the twinned communities.
    "SELECT u.id AS user_id, CAST(NULL AS BIGINT) AS contact_id, "
    "CAST(NULL AS BIGINT) AS police_id, %s AS channel, "
    "u.email AS address, CASE WHEN m.community_id = %s THEN %s ELSE %s END AS audience, "
    "%s AS due_at " + _MEMBERS.replace("{communities}", "{all_communities}") + " AND " + _HAS_EMAIL,
    # Push: the community's members with at least one device.
    "SELECT u.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), %s, '', %s, %s "
    + _MEMBERS.replace("{communities}", "%s")
    + " AND "
    + _HAS_PUSH,
    # SMS: verified mobiles that did not turn alert SMS off (alert_sms is off only if the
    # member chose it with push, preferences.py, or answered STOP, always honoured).
    # Phone-only members (no e-mail, no device) get it at once, the others after the delay.
    "SELECT u.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), %s, u.mobile, %s, "
    "CASE WHEN NOT "
    + _HAS_EMAIL
    + " AND NOT "
    + _HAS_PUSH
    + " THEN %s ELSE %s END "
    + _MEMBERS.replace("{communities}", "%s")
    + " AND u.mobile <> '' AND u.mobile_verified = %s AND u.alert_sms = %s",
    # Voice: the verified mobiles of members who chose calls, with the SMS's delay.
    "SELECT u.id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), %s, u.mobile, %s, "
    "CASE WHEN NOT "
    + _HAS_EMAIL
    + " AND NOT "
    + _HAS_PUSH
    + " THEN %s ELSE %s END "
    + _MEMBERS.replace("{communities}", "%s")
    + " AND u.mobile <> '' AND u.mobile_verified = %s AND u.alert_voice = %s",
)
# "WHERE 1 = 1": SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT.
# {names} are our own quoted table names; every value is a parameter.
_INSERT = (
    "INSERT INTO {delivery} ({columns}) SELECT %s, r.*, %s, 0, '', '', %s "  # nosec B608
    "FROM ({branches}) AS r WHERE 1 = 1 ON CONFLICT DO NOTHING"
)


def _statement(twinned: list[int], others: list[str]) -> str:
    quote = connection.ops.quote_name
    tables = {
        "user": quote(User._meta.db_table),
        "membership": quote(Membership._meta.db_table),
        **push_device_tables(),
        "all_communities": ", ".join(["%s"] * (1 + len(twinned))),
    }
    branches = [branch.format(**tables) for branch in _BRANCHES] + others
    return _INSERT.format(
        delivery=quote(Delivery._meta.db_table),
        columns=", ".join(_COLUMNS),
        branches=" UNION ALL ".join(branches),
    )


def _parameters(alert, twinned: list[int], now_db, sms_db) -> list:
    active, sender = MembershipStatus.ACTIVE, alert.sender_id
    own = alert.community_id
    return [
        # the columns every row shares
        alert.pk, DeliveryStatus.QUEUED, now_db,
        # e-mail
        Channel.EMAIL, own, COMMUNITY, TWINNED, now_db, own, *twinned, active, True, sender,
        # push
        Channel.PUSH, COMMUNITY, now_db, own, active, True, sender,
        # SMS
        Channel.SMS, COMMUNITY, now_db, sms_db, own, active, True, sender, True, True,
        # voice
        Channel.VOICE, COMMUNITY, now_db, sms_db, own, active, True, sender, True, True,
    ]  # fmt: skip


@transaction.atomic
def fan_out_alert(alert) -> int:
    """Write the alert's deliveries and wake the senders, in one transaction. Returns the
    number of rows written (none on a second run)."""
    now = timezone.now()
    sms_due = max(alert.created_at + sms_delay(), now)
    twinned = Twinning.objects.partner_ids(alert.community_id)
    adapt = connection.ops.adapt_datetimefield_value
    now_db = adapt(now)
    others = [
        branch for audience in audiences.registered() for branch in audience.branches(alert, now_db)
    ]
    parameters = _parameters(alert, twinned, now_db, adapt(sms_due))
    for _sql, branch_parameters in others:
        parameters += branch_parameters
    with connection.cursor() as cursor:
        cursor.execute(_statement(twinned, [sql for sql, _p in others]), parameters)
        written = cursor.rowcount
    type(alert).objects.filter(pk=alert.pk).update(fanned_out_at=timezone.now())
    # What the senders must do, from the rows themselves (a second run finds them too).
    # The status is a FILTER of the aggregates, not a condition of the WHERE: with it
    # there, PostgreSQL, whose statistics see the usual near-empty queue, walked the
    # queue's partial index (delivery_due) whole and kept this alert's rows, which on a
    # burst of alerts is every queued row for every fan-out (109 ms each at the peak
    # day's middle, half of PostgreSQL's time); by the alert alone it reads the alert's
    # own rows by their index.
    queued = Q(status=DeliveryStatus.QUEUED)
    due = [
        (channel, first, last, count)
        for channel, first, last, count in Delivery.objects.filter(alert=alert)
        .values("channel")
        .annotate(
            first=Min("due_at", filter=queued),
            last=Max("due_at", filter=queued),
            rows=Count("id", filter=queued),
        )
        .values_list("channel", "first", "last", "rows")
        if count
    ]
    copies = settings.ALERT_SENDER_TASKS
    rows = {channel: count for channel, _first, _last, count in due}
    immediate = [channel for channel, first, _last, _rows in due if first <= now]
    if immediate:
        wake_senders(immediate, copies=copies, rows=rows)
    # The delayed rows (SMS, voice calls) each wake their channel's senders when due.
    for channel, _first, last, _rows in due:
        if last > now:
            wake_senders([channel], at=last, copies=copies, rows=rows)
    return written
