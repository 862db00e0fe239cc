"""Loading: the generator's rows COPYed into the app's tables, in one transaction."""

import time

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from bench import geometry as bench_geometry
from bench.lib.database import vacuum_analyze
from bench.lib.push_keys import b64url, browser_keys
from bench.scale.database import (
    Copier,
    check_database,
    is_superuser,
    reset_sequences,
    secondary_indexes,
    wipe,
)
from bench.scale.generator import Generator
from bench.scale.meta import Report, write_meta
from bench.scale.shape import KEY_POOL, PASSWORD
from monquartier.accounts.models import Home, Profile, User
from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities.models import (
    Community,
    CommunityCell,
    Membership,
    Movement,
    Twinning,
)
from monquartier.gazette.models import Attachment, Post
from monquartier.messaging.models import Conversation, Message, Participant
from monquartier.notifications.models import NotificationPreference
from monquartier.outbox.models import Delivery, PushSubscription
from monquartier.townhalls.models import TownHallContact

# The models the generator fills, in loading order (sequences, VACUUM ANALYZE, the test).
LOADED_MODELS: tuple[type[Model], ...] = (
    Community,
    CommunityCell,
    User,
    EmailAddress,
    Profile,
    Home,
    Membership,
    Movement,
    Twinning,
    TownHallContact,
    PushSubscription,
    NotificationPreference,
    Alert,
    AlertRead,
    Delivery,
    Post,
    Attachment,
    Conversation,
    Participant,
    Message,
)


def _timed(phases: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    phases[name] = phases.get(name, 0.0) + now - started
    return now


def load(members: int, communities: int, seed: int = 1, *, verbose: bool = True) -> Report:
    """Empty the app's tables and load the scale data. Returns what it did."""
    check_database()

    def say(text: str) -> None:
        if verbose:
            print(f"   {text}", flush=True)

    began = time.perf_counter()
    phases: dict[str, float] = {}
    report = Report(members=members, communities=communities, seed=seed)
    generator = Generator(members, communities, seed, timezone.now())
    # Hashed once (Argon2 in production settings: ~50 ms), shared by every member.
    password = make_password(PASSWORD)
    keys = [(key.p256dh, b64url(key.auth)) for key in browser_keys(KEY_POOL)]

    stamp = time.perf_counter()
    say(f"placing {communities} communities …")
    built = generator.build_communities()
    stamp = _timed(phases, "communities (areas)", stamp)
    with transaction.atomic(), connection.cursor() as cursor:
        wipe()
        stamp = _timed(phases, "wipe", stamp)
        report.foreign_keys_checked = not is_superuser(cursor)
        if not report.foreign_keys_checked:
            # Foreign keys are checked by triggers; off for this transaction, as
            # pg_restore --disable-triggers does (the test checks every key instead).
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        tables = [model._meta.db_table for model in LOADED_MODELS]
        deferred = {table: secondary_indexes(cursor, table) for table in tables}
        for indexes in deferred.values():
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        # A few thousand communities: the ORM's bulk_create is quick enough, and hands
        # the ids back.
        Community.objects.bulk_create(built, batch_size=2_000)
        CommunityCell.objects.bulk_create(
            [cell for community in built for cell in bench_geometry._cells(community)],
            batch_size=5_000,
        )
        stamp = _timed(phases, "communities (rows)", stamp)
        say(f"placing {members} members …")
        generator.place_members(built)
        generator.pair_twins()
        stamp = _timed(phases, "members (plan)", stamp)
        copier = Copier(cursor)
        copier.counts[Community._meta.label] = len(built)
        copier.counts[CommunityCell._meta.label] = CommunityCell.objects.count()
        say("users, e-mail addresses, profiles, homes …")
        copier.copy(User, Generator.USER_COLUMNS, generator.user_rows(password))
        copier.copy(
            EmailAddress, ("id", "user_id", "email", "verified", "primary"), generator.email_rows()
        )
        copier.copy(
            Profile,
            (
                "user_id",
                "photo",
                "photo_thumbnail",
                "description",
                "interests",
                "birth_date",
                "housing_type",
                "has_alarm",
                "has_guard",
                "housing_notes",
                "show_photo_on_public_page",
                "updated_at",
            ),
            generator.profile_rows(),
        )
        copier.copy(
            Home,
            (
                "user_id",
                "commune_id",
                "quartier",
                "address_details",
                "landmark",
                "latitude",
                "longitude",
                "updated_at",
            ),
            generator.home_rows(),
        )
        say("memberships, movements, twinnings …")
        copier.copy(Membership, Generator.MEMBERSHIP_COLUMNS, generator.membership_rows())
        copier.copy(
            Movement,
            ("id", "community_id", "kind", "actor_id", "member_id", "other_community_id", "detail", "created_at"),
            generator.movement_rows(),
        )  # fmt: skip
        copier.copy(
            Twinning,
            (
                "id",
                "requester_id",
                "partner_id",
                "status",
                "requested_by_id",
                "decided_by_id",
                "ended_by_id",
                "requested_at",
                "decided_at",
                "ended_at",
            ),
            generator.twinning_rows(),
        )
        copier.copy(
            TownHallContact,
            ("id", "commune_id", "name", "role", "email", "mobile", "active"),
            generator.contact_rows(),
        )
        copier.copy(
            PushSubscription,
            ("id", "user_id", "endpoint", "p256dh", "auth", "user_agent", "created_at", "last_success_at"),
            generator.push_rows(keys),
        )  # fmt: skip
        copier.copy(
            NotificationPreference, ("id", "user_id", "kind", "mode"), generator.preference_rows()
        )
        say("alerts, deliveries, reads …")
        copier.copy(Alert, Generator.ALERT_COLUMNS, generator.alert_rows())
        copier.copy(AlertRead, ("id", "alert_id", "user_id", "read_at"), generator.read_rows())
        copier.copy(Delivery, Generator.DELIVERY_COLUMNS, generator.delivery_rows())
        say("gazette, conversations, messages …")
        copier.copy(Post, Generator.POST_COLUMNS, generator.post_rows())
        copier.copy(
            Attachment,
            (
                "id",
                "post_id",
                "kind",
                "file",
                "thumbnail",
                "original_name",
                "size",
                "width",
                "height",
                "position",
                "created_at",
            ),
            generator.attachment_rows(),
        )
        generator.conversation_plan()
        copier.copy(
            Conversation, ("id", "created_at", "last_message_at"), generator.conversation_rows()
        )
        copier.copy(
            Participant,
            ("id", "conversation_id", "user_id", "joined_at", "last_read_at"),
            generator.participant_rows(),
        )
        copier.copy(
            Message,
            ("id", "conversation_id", "sender_id", "text", "created_at", "hidden_at", "hidden_by_id", "hidden_reason"),
            generator.message_rows(),
        )  # fmt: skip
        stamp = time.perf_counter()
        say("indexes …")
        for indexes in deferred.values():
            for _name, definition in indexes:
                cursor.execute(definition)
        stamp = _timed(phases, "indexes", stamp)
        reset_sequences(LOADED_MODELS)
        report.counts = dict(copier.counts)
        sizes = sorted(len(place.members) for place in generator.places)
        report.largest_community = sizes[-1]
        report.median_community = sizes[len(sizes) // 2]
        report.seconds = time.perf_counter() - began  # set again below, VACUUM included
        write_meta(report)
        stamp = _timed(phases, "commit", stamp)
    for label, seconds in copier.seconds.items():
        phases[f"COPY {label}"] = seconds
    stamp = time.perf_counter()
    say("VACUUM ANALYZE …")
    vacuum_analyze(LOADED_MODELS)
    _timed(phases, "VACUUM ANALYZE", stamp)
    report.phases = phases
    report.seconds = time.perf_counter() - began
    write_meta(report)
    return report
