"""The senders: claim due outbox rows, hand them to the transport in batches, record what
happened. Any number of workers may run this at once: a claim takes rows with
SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite runs one writer at a time), so two
workers never take the same row.

A claimed row is marked `sending` before the transport is called. If the worker dies
between the hand-over and the mark, the sweep puts the row back in the queue after the
lease: delivery is at least once, never lost. The window is one batch of one worker;
the Orange SMS API removes even that duplicate through our clientCorrelator.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F, ForeignKey, Model, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from monquartier.outbox import fcm, prepared, push, sources, wakes
from monquartier.outbox.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    FCMRegistration,
    PushSubscription,
)
from monquartier.outbox.sms import SMSMessage
from monquartier.outbox.transports import (
    EmailTransport,
    Failed,
    Outcome,
    Sent,
    SMSTransport,
    retry_after_seconds,
)
from monquartier.outbox.voice.sending import send_voice

logger = logging.getLogger(__name__)

# Rows a sender claims at once. Each batch costs a few queries and, for e-mail, its SMTP
# connections (transports.EmailTransport): 100 e-mails over 4 connections spend a fifth
# less CPU per message than 50. A worker killed mid-batch repeats at most one batch.
BATCH_SIZE: dict[str, int] = {
    Channel.EMAIL: 100,
    Channel.SMS: 500,
    Channel.PUSH: 100,
    # One call request each (outbox/voice/sending.py).
    Channel.VOICE: 50,
}
# Seconds before the next attempt, after the 1st, 2nd… failure; then the row fails.
# (Settings may shorten it, for tests of a gateway that comes back.)
BACKOFF = (20, 60, 300, 900, 1800, 3600)


def backoff() -> tuple[int, ...]:
    return tuple(getattr(settings, "DELIVERY_BACKOFF_SECONDS", None) or BACKOFF)


LEASE = timedelta(minutes=3)


# On PostgreSQL a claim is one statement: the due rows no other worker holds, locked,
# marked and returned with the columns of their member the sources read (the same as the
# ORM's two queries below and _load's, two round trips and a query's compiling less).
_CLAIM = (
    "WITH claimed AS (UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM {table} WHERE status = %s AND channel = %s AND due_at <= %s "
    "ORDER BY due_at, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING {returned}) "
    "SELECT claimed.*, {member} FROM claimed LEFT JOIN {users} AS member "
    "ON member.{user_pk} = claimed.{user_fk} ORDER BY claimed.id"
)


def claim(channel: str, limit: int) -> list[Delivery]:
    """Take up to `limit` due rows of the channel for this worker, marked `sending`, each
    with its member (the columns _loaded_fields names; None for a member since deleted)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        claimed = _Claimed.get()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                claimed.sql,
                [DeliveryStatus.SENDING, now, DeliveryStatus.QUEUED, channel, now, limit],
            )
            return claimed.rows(cursor.fetchall())
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=DeliveryStatus.QUEUED, channel=channel, due_at__lte=now
        ).order_by("due_at", "id")
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(id__in=ids).update(
                status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return _load(ids)


def _loaded_fields() -> list[str]:
    """The row's own columns, and of its member only what the sources read (a whole
    User row is some thirty columns a batch would convert for nothing)."""
    return [field.name for field in Delivery._meta.concrete_fields] + [
        f"user__{name}" for name in sorted(_member_names())
    ]


def _member_names() -> set[str]:
    return {"language", *sources.member_fields()}


class _Claimed:
    """The claim's statement and how its rows become Delivery instances with their
    member, as the ORM would make them (each column through its field's converters),
    built once per process: the sources have registered by the first claim."""

    _built: "_Claimed | None" = None

    @classmethod
    def get(cls) -> "_Claimed":
        if cls._built is None or cls._built.members != _member_names():
            cls._built = cls()
        return cls._built

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.members = _member_names()
        self.user_field = cast("ForeignKey", Delivery._meta.get_field("user"))
        self.user_model = cast("type[Model]", self.user_field.related_model)
        own = list(Delivery._meta.concrete_fields)
        # The member's columns in the model's order: from_db expects them so.
        member = [
            field
            for field in self.user_model._meta.concrete_fields
            if field.primary_key or field.name in self.members
        ]
        self.sql = _CLAIM.format(
            table=quote(Delivery._meta.db_table),
            returned=", ".join(quote(field.column) for field in own),
            member=", ".join(f"member.{quote(field.column)}" for field in member),
            users=quote(self.user_model._meta.db_table),
            user_pk=quote(self.user_model._meta.pk.column),
            user_fk=quote(self.user_field.column),
        )
        self.own_names = [field.attname for field in own]
        self.member_names = [field.attname for field in member]
        self.width = len(own)
        self.converters = [
            (index, converter, column)
            for index, (field, table) in enumerate(
                [(field, Delivery._meta.db_table) for field in own]
                + [(field, self.user_model._meta.db_table) for field in member]
            )
            for column in [field.get_col(table)]
            for converter in connection.ops.get_db_converters(column)
            + column.get_db_converters(connection)
        ]

    def rows(self, fetched: list[tuple]) -> list[Delivery]:
        deliveries = []
        alias = connection.alias
        for row in fetched:
            values = list(row)
            for index, converter, column in self.converters:
                values[index] = converter(values[index], column, connection)
            delivery = Delivery.from_db(alias, self.own_names, values[: self.width])
            member = values[self.width :]
            self.user_field.set_cached_value(
                delivery,
                None
                if member[0] is None
                else self.user_model.from_db(alias, self.member_names, member),
            )
            deliveries.append(delivery)
        return deliveries


def _in_ids(ids: list[int]) -> list[int] | RawSQL:
    # On PostgreSQL one array parameter, not a hundred placeholders: the statement stays
    # short and the same from batch to batch, and psycopg parses it once.
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


class KeptRows:
    """The rows carried by the batches of one sender's run, for the sources that name
    their `changing` columns: an alert's 6,000 e-mails are 60 batches of one alert, and
    fetching it with its community, commune, sender and original cost 5 ms a batch (a
    five-table join planned, 99 columns converted, the prefetch machinery), against
    about 1 ms to read its hidden_at again. Kept for one run of deliver() only, so a
    row is never older than its max_seconds, and a test's rolled-back ids are never
    mistaken for new rows."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, Model]] = defaultdict(dict)

    def attach(self, source: sources.Source, deliveries: list[Delivery]) -> None:
        """Set each delivery's carried row: the kept ones with their changing columns
        read again, the others fetched. A row gone since is no longer kept and its
        deliveries carry None (an orphan, _orphans)."""
        field = cast("ForeignKey", Delivery._meta.get_field(source.field))
        wanted = {getattr(d, field.attname) for d in deliveries} - {None}
        kept = self.rows[source.field]
        known = {pk: kept[pk] for pk in wanted if pk in kept}
        gone: set[int] = set()
        related = cast("type[Model]", field.related_model)
        if known:
            fresh = _changing(source, related, list(known))
            seen = set()
            for pk, *values in fresh:
                seen.add(pk)
                for path, value in zip(source.changing, values, strict=True):
                    _set_path(known[pk], path, value)
            gone = set(known) - seen
            for pk in gone:
                del known[pk], kept[pk]
        missing = wanted - set(known) - gone
        if missing:
            fetched = _fetch(source, related, missing)
            kept.update(fetched)
            known.update(fetched)
        for delivery in deliveries:
            pk = getattr(delivery, field.attname)
            if pk is not None:
                field.set_cached_value(delivery, known.get(pk))


def _source_queryset(source: sources.Source, related: type[Model]) -> QuerySet:
    return source.queryset() if source.queryset else related._base_manager.all()


def _fetch(source: sources.Source, related: type[Model], ids: set[int]) -> dict[int, Model]:
    """The carried rows of `ids`, as the source's queryset gives them; on PostgreSQL by a
    statement compiled once per process (prepared.py: compiling the alert's join was most
    of its fetch)."""
    if not prepared.available():
        return _source_queryset(source, related).in_bulk(ids)
    statement = prepared.per_thread(
        ("rows", source), lambda: prepared.ById(_source_queryset(source, related))
    )
    return statement.in_bulk(ids)


def _changing(source: sources.Source, related: type[Model], ids: list[int]) -> list[tuple]:
    """(pk, *source.changing) of the rows of `ids` still there."""
    if not prepared.available():
        return list(related._base_manager.filter(pk__in=ids).values_list("pk", *source.changing))
    statement = prepared.per_thread(
        ("changing", source),
        lambda: prepared.ById(related._base_manager.all(), values=("pk", *source.changing)),
    )
    return statement.rows(ids)


def _set_path(row: Model, path: str, value) -> None:
    # "corrects__hidden_at": the original's column, when the row has an original.
    *through, name = path.split("__")
    target: Model | None = row
    for step in through:
        target = getattr(target, step)
        if target is None:
            return
    setattr(target, name, value)


def _load(ids: list[int]) -> list[Delivery]:
    """The rows of `ids` with their member, as PostgreSQL's claim returns them."""
    if not ids:
        return []
    return list(
        Delivery.objects.filter(id__in=_in_ids(ids))
        .select_related("user")
        .only(*_loaded_fields())
        .order_by("id")
    )


def _carry(deliveries: list[Delivery], kept: KeptRows | None = None) -> None:
    """Give each row of the batch what rendering needs. The rows of a batch mostly share
    one or two alerts: those are fetched once each (prefetch), not once per row, or kept
    from the run's earlier batches (KeptRows); the sources the batch carries nothing of
    cost nothing (each empty prefetch would still build its query)."""
    carried = [
        source
        for source in sources.registered()
        if any(getattr(delivery, f"{source.field}_id") is not None for delivery in deliveries)
    ]
    if kept is not None:
        for source in [source for source in carried if source.changing]:
            kept.attach(source, deliveries)
        carried = [source for source in carried if not source.changing]
    if carried:
        prefetch_related_objects(deliveries, *sources.prefetches(carried))


def _obsolete(deliveries: list[Delivery]) -> set[int]:
    """Rows that must not go any more: those whose member or carried row is gone (the
    outbox has no foreign-key constraints, so a deletion racing a fan-out can leave
    one), and those each source rules out (a hidden alert…)."""
    obsolete = _orphans(deliveries)
    deliveries = [delivery for delivery in deliveries if delivery.pk not in obsolete]
    for source in sources.registered():
        if source.obsolete is not None:
            carrying = [d for d in deliveries if getattr(d, f"{source.field}_id") is not None]
            if carrying:
                obsolete |= source.obsolete(carrying)
    return obsolete


# Every row the outbox points to but its member: the sources it carries (loaded with the
# batch) and the town hall's recipients (the contact, the police).
_KEYS = [
    field for field in Delivery._meta.concrete_fields if field.is_relation and field.name != "user"
]


def _orphans(deliveries: list[Delivery]) -> set[int]:
    """Rows whose member, or a row they point to, no longer exists. The carried sources
    and the member come with the batch; a key nothing loaded costs one query for the
    batch, and only when a row of the batch has it."""
    orphans = {d.pk for d in deliveries if d.user_id is not None and d.user is None}
    loaded = {source.field for source in sources.registered()}
    for field in _KEYS:
        carrying = [d for d in deliveries if getattr(d, field.attname) is not None]
        if not carrying:
            continue
        if field.name in loaded:
            orphans |= {d.pk for d in carrying if getattr(d, field.name) is None}
            continue
        wanted = {getattr(d, field.attname) for d in carrying}
        target = cast("type[Model]", field.related_model)
        present = set(target._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        orphans |= {d.pk for d in carrying if getattr(d, field.attname) not in present}
    return orphans


def _send_email(deliveries: list[Delivery]) -> list[Outcome]:
    emails = []
    for delivery in deliveries:
        source, _carried = sources.of(delivery)
        if source.email is None:
            raise ValueError(f"Delivery {delivery.pk}: {source.field} rows go by no e-mail")
        emails.append(source.email(delivery))
    return EmailTransport().send(emails)


def _send_sms(deliveries: list[Delivery]) -> list[Outcome]:
    texts: dict[tuple[str, int, str], str] = {}  # an alert's members share its text
    messages = []
    for delivery in deliveries:
        source, carried = sources.of(delivery)
        if source.sms is None:
            raise ValueError(f"Delivery {delivery.pk}: {source.field} rows go by no SMS")
        audience = delivery.audience if source.sms_by_audience else ""
        key = (source.field, carried.pk, audience)
        if key not in texts:
            texts[key] = source.sms(carried, audience) if audience else source.sms(carried)
        messages.append(
            SMSMessage(to=delivery.address, text=texts[key], reference=str(delivery.pk))
        )
    return SMSTransport().send(messages)


def _send_to_apps(messages: list[fcm.FCMMessage]) -> list[fcm.FCMResult]:
    """FCM's results; with settings that cannot be read, every message waits for the
    retry (the browsers' pushes of the batch still go)."""
    if not messages:
        return []
    try:
        return fcm.send_fcm(messages)
    except ImproperlyConfigured as error:
        logger.error("FCM settings are unusable, app pushes wait: %s", error)
        return [
            fcm.FCMResult(message.registration, push.PushStatus.TRANSIENT, f"settings: {error}")
            for message in messages
        ]


def _send_push(deliveries: list[Delivery]) -> list[Outcome | None]:
    """Each member's browsers (web push) and apps (FCM) get the same payload, rendered
    once per row carried and language. None for a member with no device left: the row
    is skipped, not failed. Without FCM settings the apps are left out (logged)."""
    user_ids = {d.user_id for d in deliveries}
    subscriptions = defaultdict(list)
    for subscription in PushSubscription.objects.filter(user_id__in=user_ids):
        subscriptions[subscription.user_id].append(subscription)
    registrations = defaultdict(list)
    if fcm.configured():
        for registration in FCMRegistration.objects.filter(user_id__in=user_ids):
            registrations[registration.user_id].append(registration)
    elif FCMRegistration.objects.filter(user_id__in=user_ids).exists():
        logger.info("FCM is not configured (FCM_SERVICE_ACCOUNT): app pushes left out")
    messages, owners = [], []
    app_messages, app_owners = [], []
    payloads: dict[tuple[str, int, str], dict] = {}  # an alert's members share its payload
    for delivery in deliveries:
        user = delivery.user
        if user is None:
            raise ValueError(f"Push delivery {delivery.pk} has no member: pushes go to members")
        source, carried = sources.of(delivery)
        if source.push is None:
            raise ValueError(f"Delivery {delivery.pk}: {source.field} rows go by no push")
        key = (source.field, carried.pk, user.language)
        if key not in payloads:
            payloads[key] = source.push(carried, user.language)
        for subscription in subscriptions[user.pk]:
            messages.append(push.PushMessage(subscription=subscription, payload=payloads[key]))
            owners.append(delivery.pk)
        for registration in registrations[user.pk]:
            app_messages.append(fcm.FCMMessage(registration=registration, payload=payloads[key]))
            app_owners.append(delivery.pk)
    results = push.send_push(messages) if messages else []
    app_results = _send_to_apps(app_messages)
    by_delivery: dict[int, list[push.PushResult | fcm.FCMResult]] = defaultdict(list)
    gone, working = [], []
    for owner, message, result in zip(owners, messages, results, strict=True):
        by_delivery[owner].append(result)
        if result.gone:
            gone.append(message.subscription.pk)
        elif result.ok:
            working.append(message.subscription.pk)
    apps_gone, apps_working = [], []
    for owner, app_message, app_result in zip(app_owners, app_messages, app_results, strict=True):
        by_delivery[owner].append(app_result)
        if app_result.gone:
            apps_gone.append(app_message.registration.pk)
        elif app_result.ok:
            apps_working.append(app_message.registration.pk)
    now = timezone.now()
    if gone:
        # The push service says the device unsubscribed: never try it again.
        PushSubscription.objects.filter(pk__in=gone).delete()
    if working:
        PushSubscription.objects.filter(pk__in=working).update(last_success_at=now)
    if apps_gone:
        # FCM says the app was uninstalled or the token is not one: likewise.
        FCMRegistration.objects.filter(pk__in=apps_gone).delete()
    if apps_working:
        FCMRegistration.objects.filter(pk__in=apps_working).update(last_success_at=now)
    outcomes: list[Outcome | None] = []
    for delivery in deliveries:
        results_for = by_delivery.get(delivery.pk, [])
        detail = "; ".join(r.detail for r in results_for)[:500]
        if any(result.ok for result in results_for):
            outcomes.append(Sent())
        elif not results_for or all(result.gone for result in results_for):
            outcomes.append(None)
        elif any(result.transient for result in results_for):
            waits = [retry_after_seconds(r.retry_after) for r in results_for if r.transient]
            wait = max((w for w in waits if w is not None), default=None)
            outcomes.append(Failed(detail, permanent=False, retry_after=wait))
        else:
            outcomes.append(Failed(detail, permanent=True))
    return outcomes


SENDERS: dict[str, Callable[[list[Delivery]], Sequence[Outcome | None]]] = {
    Channel.EMAIL: _send_email,
    Channel.SMS: _send_sms,
    Channel.PUSH: _send_push,
    Channel.VOICE: send_voice,
}


_OUTCOME_FIELDS = (
    "status",
    "claimed_at",
    "sent_at",
    "provider_id",
    "sms_provider",
    "cost",
    "last_error",
    "due_at",
)
# One UPDATE … FROM unnest(arrays) for a whole batch: Django's bulk_update builds a CASE
# per field and row, which cost more than sending the e-mails themselves; and a VALUES
# list of a placeholder per value is a statement psycopg parses again for every batch
# (too long for its cache), where eight arrays make the same short one each time.
_UPDATE_OUTCOMES = (
    "UPDATE {table} AS d SET status = v.status, claimed_at = NULL, sent_at = v.sent_at, "
    "provider_id = v.provider_id, sms_provider = v.sms_provider, cost = v.cost, "
    "last_error = v.last_error, due_at = v.due_at "
    "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::varchar[], "
    "%s::varchar[], %s::numeric[], %s::varchar[], %s::timestamptz[]) "
    "AS v(id, status, sent_at, provider_id, sms_provider, cost, last_error, due_at) "
    "WHERE d.id = v.id"
)


def _save_outcomes(deliveries: list[Delivery]) -> None:
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_update(deliveries, _OUTCOME_FIELDS, batch_size=500)
        return
    sql = _UPDATE_OUTCOMES.format(table=connection.ops.quote_name(Delivery._meta.db_table))
    columns: list[list] = [[] for _column in range(8)]
    for delivery in deliveries:
        for column, value in zip(
            columns,
            (
                delivery.pk,
                delivery.status,
                delivery.sent_at,
                delivery.provider_id,
                delivery.sms_provider,
                delivery.cost,
                delivery.last_error,
                delivery.due_at,
            ),
            strict=True,
        ):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)


def _record(deliveries: list[Delivery], outcomes: Sequence[Outcome | None]) -> None:
    now = timezone.now()
    pauses = backoff()
    for delivery, outcome in zip(deliveries, outcomes, strict=True):
        delivery.claimed_at = None
        if outcome is None:
            delivery.status = DeliveryStatus.SKIPPED
        elif isinstance(outcome, Sent):
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.provider_id = outcome.provider_id[:128]
            delivery.sms_provider = outcome.provider[:32]
            delivery.cost = outcome.cost
            delivery.last_error = ""
        elif outcome.permanent or delivery.attempts > len(pauses):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = outcome.detail[:500]
        else:
            delivery.status = DeliveryStatus.QUEUED
            pause = max(pauses[delivery.attempts - 1], outcome.retry_after or 0)
            delivery.due_at = now + timedelta(seconds=pause)
            delivery.last_error = outcome.detail[:500]
    _save_outcomes(deliveries)


def send_claimed(
    channel: str, deliveries: list[Delivery], kept: KeptRows | None = None
) -> dict[str, int]:
    """Send the rows a claim returned; the counts of their statuses after."""
    _carry(deliveries, kept)
    obsolete = _obsolete(deliveries)
    if obsolete:
        Delivery.objects.filter(pk__in=obsolete).update(
            status=DeliveryStatus.CANCELLED, claimed_at=None
        )
        deliveries = [delivery for delivery in deliveries if delivery.pk not in obsolete]
    if not deliveries:
        return {}
    outcomes = SENDERS[channel](deliveries)
    _record(deliveries, outcomes)
    counts: dict[str, int] = defaultdict(int)
    for delivery in deliveries:
        counts[delivery.status] += 1
    return dict(counts)


def deliver(channel: str, *, max_seconds: float = 30.0) -> tuple[int, bool]:
    """Send what is due on one channel, batch after batch, for at most max_seconds.
    Returns the rows handled and whether rows may remain (the task then goes on)."""
    started = time.monotonic()
    handled = 0
    limit = BATCH_SIZE[channel]
    kept = KeptRows()
    # Wakes count this sender as one that will see their rows (outbox/wakes.py): it ends
    # only after its last claim, made once they have committed, found nothing.
    with wakes.Running(channel) as running:
        while True:
            claimed: list[Delivery] | None = claim(channel, limit)
            if not claimed:
                claimed = running.last_claim(
                    lambda: claim(channel, limit), until=started + max_seconds
                )
            if claimed is None:
                return handled, True  # wakes kept committing: a fresh task goes on
            if not claimed:
                return handled, False
            send_claimed(channel, claimed, kept)
            handled += len(claimed)
            if time.monotonic() - started > max_seconds:
                return handled, True


def requeue_abandoned() -> int:
    """Rows left `sending` by a worker that died go back to the queue, due now (the
    sweep then wakes a sender for them, channels_due)."""
    cutoff = timezone.now() - LEASE
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff)
    count = stale.update(status=DeliveryStatus.QUEUED, claimed_at=None, due_at=timezone.now())
    if count:
        logger.warning("Re-queued %s deliveries abandoned by a worker", count)
    return count


def channels_due() -> set[str]:
    """The channels with rows due now."""
    due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, due_at__lte=timezone.now())
    return set(due.values_list("channel", flat=True).distinct())
