"""Scale data: 1,000,000 members in 20,000 communities (TARGETS.md, "scale").

A generator of the app's real rows, for the page benchmarks (bench/pages.py, bench/load.py)
and for anyone who wants to see the app at size: users with the profile, home and
verified e-mail address the accounts app requires, communities over Côte d'Ivoire's towns
(areas placed and stored by bench/geometry.py's lattice and the app's geometry functions),
memberships (active, pending, ended), référents, movements, twinnings, town-hall contacts,
push subscriptions and notification preferences, alerts with their deliveries and reads,
gazette posts, conversations and messages.

Loaded with PostgreSQL's COPY (psycopg 3) into an emptied database, in one transaction:
the secondary indexes of the tables it fills are dropped first and built again after the
COPY (faster than keeping them up to date row by row, and the unique ones check the data
when they are rebuilt); foreign keys are not checked row by row during the COPY
(session_replication_role = replica, as pg_restore does) — tests/bench/test_scale_data.py checks
every foreign key of the generated data instead. Then the sequences are moved past the
ids used, and VACUUM ANALYZE gives the planner its statistics.

Every loaded member has the same password, PASSWORD, hashed once with the first hasher
of PASSWORD_HASHERS (Argon2 in production settings).

It empties every table of the app first: it refuses any database whose name does not say
it is a benchmark's ("bench") or a test run's ("test_…").
"""

import argparse
import functools
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import shapely
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import AutoField, Model
from django.utils import timezone

from bench import geometry as bench_geometry
from bench.lib.database import truncate, vacuum_analyze
from bench.lib.figures import figure
from bench.lib.push_keys import b64url, browser_keys
from monquartier.accounts.models import Home, Profile, User
from monquartier.alerts.models import Alert, AlertCategory, AlertRead, AlertSource
from monquartier.communities import geometry
from monquartier.communities.models import (
    Commune,
    Community,
    CommunityCell,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
)
from monquartier.gazette.models import Attachment, AttachmentKind, Post, PostCategory
from monquartier.messaging.models import Conversation, Message, Participant
from monquartier.notifications.fanout import COMMUNITY, TOWN_HALL, TWINNED
from monquartier.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Mode,
    NotificationKind,
    NotificationPreference,
    PushSubscription,
)
from monquartier.townhalls.models import TownHallContact

# --- sizes ----------------------------------------------------------------------------------

MEMBERS = 1_000_000
COMMUNITIES = 20_000
QUICK_MEMBERS = 20_000
QUICK_COMMUNITIES = 400
# Bump when the generated data changes, so that --keep reloads instead of reusing.
VERSION = 1

PASSWORD = "Voisins-Vigilants-2026"  # noqa: S105 (the known password of the loaded members)
EMAIL_DOMAIN = "scale.bench.invalid"
STAFF_EMAIL = f"equipe@{EMAIL_DOMAIN}"
# Push endpoints point nowhere until bench/load.py points some at its push sink.
PUSH_PLACEHOLDER = "http://127.0.0.1:9"
KEY_POOL = 64
META_TABLE = "bench_scale_meta"

# Community sizes: log-normal around the mean (most communities small, a few of well over
# a thousand members), at least MIN_COMMUNITY members, at most MAX_COMMUNITY.
SIZE_SIGMA = 1.0
MIN_COMMUNITY = 3
MAX_COMMUNITY = 4_000
PENDING_SHARE = 0.02  # extra users waiting for their request to be accepted
MOVED_SHARE = 0.03  # active members who left another community before
NO_EMAIL_SHARE = 0.03  # phone-only members registered by a référent
PUSH_SHARE = 0.3
PREFERENCE_SHARE = 0.1
TWINNED_SHARE = 0.3  # communities that ask a neighbour to twin
TWIN_RADIUS_CELLS = 2  # lattice cells of ~1.1 km: about 2.2 km, within the 3 km rule
# Alerts over the last year: a few per community, more in big ones.
ALERT_BASE, ALERT_PER_MEMBER = 1.5, 1 / 150
ALERT_READ_SHARE = 0.55
POST_BASE, POST_PER_MEMBER = 1.0, 1 / 8
PHOTO_SHARE = 0.1
CONVERSATION_SHARE = 0.25  # members who started a conversation
HISTORY_DAYS = 4 * 365
ALERT_DAYS = 365
TOWN_HALL_COMMUNES = ("cocody", "plateau", "yopougon", "bouake")

FIRST_NAMES = (
    "Awa", "Yao", "Adjoua", "Koffi", "Mariam", "Ibrahim", "Aya", "Serge", "Fatou", "Jean",
    "Amenan", "Kouadio", "Affoué", "Moussa", "Akissi", "Drissa", "Aminata", "Hervé", "Nadège",
    "Seydou", "Estelle", "Konan", "Salimata", "Didier", "Mireille", "Bakary", "Rokia", "Éric",
    "Léontine", "Ousmane", "Christelle", "Lassina", "Odile", "Arsène", "Kadiatou", "Firmin",
)  # fmt: skip
LAST_NAMES = (
    "Koné", "Kouassi", "Traoré", "Bamba", "Yao", "Ouattara", "N'Guessan", "Diallo", "Coulibaly",
    "Kouamé", "Touré", "Konan", "Cissé", "Aka", "Diabaté", "Soro", "Kacou", "Brou", "Gnagne",
    "Fofana", "Tanoh", "Sanogo", "Amani", "Dosso", "Assi", "Koffi", "Zadi", "Gbagbo", "Yéo",
    "Silué", "Tra Bi", "Doumbia", "Ahoua", "Kra", "Sangaré", "Beugré",
)  # fmt: skip
PSEUDONYMS = ("le voisin du lot", "la couturière", "le boulanger", "Tonton", "Maman", "le prof")
LANDMARKS = (
    "près de la pharmacie",
    "derrière la mosquée",
    "en face du maquis",
    "après le château d'eau",
    "à côté de l'école primaire",
    "près du terminus des gbakas",
    "derrière le marché",
)
INTERESTS = ("football", "couture", "jardinage", "cuisine", "lecture", "musique", "attiéké")
ALERT_TEXTS = {
    AlertCategory.BURGLARY: "Cambriolage en cours au lot {n}, deux individus dans la cour. N'intervenez pas, la police est prévenue.",
    AlertCategory.SUSPICIOUS: "Voiture grise sans plaque qui tourne depuis une heure près du lot {n}. Restez vigilants.",
    AlertCategory.THEFT: "Moto volée devant la boutique du lot {n} vers {h} h. Signalez-la si vous la voyez.",
    AlertCategory.ASSAULT: "Une passante agressée près de l'arrêt, lot {n}. Les secours sont en route.",
    AlertCategory.FIRE: "Fumée épaisse derrière le lot {n} : les pompiers (180) sont appelés, éloignez-vous.",
    AlertCategory.MISSING: "Enfant de 7 ans perdu près du lot {n}, t-shirt rouge. Prévenez la famille si vous le voyez.",
    AlertCategory.UTILITY: "Coupure d'eau dans tout le secteur du lot {n} depuis {h} h.",
    AlertCategory.OTHER: "Arbre tombé sur la voie au lot {n}, passage bloqué.",
}
ALERT_WEIGHTS = {
    AlertCategory.BURGLARY: 0.22,
    AlertCategory.SUSPICIOUS: 0.3,
    AlertCategory.THEFT: 0.18,
    AlertCategory.ASSAULT: 0.05,
    AlertCategory.FIRE: 0.04,
    AlertCategory.MISSING: 0.04,
    AlertCategory.UTILITY: 0.12,
    AlertCategory.OTHER: 0.05,
}
POST_TEXTS = {
    PostCategory.SMALL_AD: ("Vends {thing}", "Bon état, prix à débattre. Passez au lot {n} le soir."),
    PostCategory.CARPOOL: ("Covoiturage vers le Plateau", "Départ 7 h du lot {n}, deux places, retour 18 h."),
    PostCategory.EVENT: ("Fête des voisins samedi", "Rendez-vous au lot {n} à 16 h, chacun apporte un plat."),
    PostCategory.LOST_FOUND: ("Trouvé : {thing}", "Trouvé devant le lot {n}. Décrivez-le pour le récupérer."),
    PostCategory.SERVICE: ("Cours de maths à domicile", "Étudiant, je donne des cours du CP à la 3e, lot {n}."),
    PostCategory.INFO: ("Ramassage des ordures", "Le camion passe désormais le mardi et le vendredi, lot {n} compris."),
}  # fmt: skip
THINGS = ("vélo d'enfant", "réfrigérateur", "trousseau de clés", "chaise en plastique", "téléphone")
MESSAGE_TEXTS = (
    "Bonsoir, avez-vous vu la voiture grise ce matin ?",
    "Merci pour l'alerte, je préviens ma famille.",
    "Le réparateur passe demain, je vous donne son numéro ?",
    "D'accord, à samedi pour la réunion.",
    "Ma pompe à eau est en panne, qui connaît un plombier ?",
    "Oui, je l'ai vue vers 18 h devant la pharmacie.",
)


# --- results --------------------------------------------------------------------------------


_row = functools.partial(figure, "scale")


@dataclass
class Report:
    """What a load did (or found, when it reused the data)."""

    members: int
    communities: int
    seed: int
    reused: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    largest_community: int = 0
    median_community: int = 0
    foreign_keys_checked: bool = True

    def as_meta(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "members": self.members,
            "communities": self.communities,
            "seed": self.seed,
            "seconds": self.seconds,
            "phases": self.phases,
            "counts": self.counts,
            "largest_community": self.largest_community,
            "median_community": self.median_community,
            "foreign_keys_checked": self.foreign_keys_checked,
        }


# --- the database ---------------------------------------------------------------------------


class NotABenchmarkDatabase(RuntimeError):
    pass


def check_database() -> None:
    """The generator empties every table of the app: only on a benchmark's database (its
    name says "bench") or a test run's (Django's "test_…", created for the run)."""
    if connection.vendor != "postgresql":
        raise NotABenchmarkDatabase("the scale generator needs PostgreSQL (COPY)")
    name = connection.settings_dict["NAME"] or ""
    if "bench" not in name and not name.startswith("test_"):
        raise NotABenchmarkDatabase(
            f"database {name!r} is not a benchmark database: the scale generator empties "
            "every table of the app. Use BENCH_DATABASE_URL with 'bench' in the name."
        )


# The apps whose tables the generator empties (communes stay: a migration loads them).
WIPED_APPS = (
    "accounts",
    "account",
    "communities",
    "alerts",
    "gazette",
    "messaging",
    "notifications",
    "moderation",
    "townhalls",
    "sessions",
    "admin",
    "django_tasks_database",
)


def wiped_tables() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in WIPED_APPS and model is not Commune and not model._meta.proxy
    }
    tables.discard(Commune._meta.db_table)
    return sorted(tables)


def wipe() -> None:
    """Every row of the app but the communes, ids restarted."""
    truncate(wiped_tables(), restart_identity=True)


def _is_superuser(cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Indexes of the table that no constraint owns (primary keys and UNIQUE constraints
    stay): (name, CREATE INDEX statement)."""
    cursor.execute(
        """
        SELECT index.relname, pg_get_indexdef(index.oid)
        FROM pg_index AS x
        JOIN pg_class AS index ON index.oid = x.indexrelid
        JOIN pg_class AS owner ON owner.oid = x.indrelid
        WHERE owner.relname = %s
          AND owner.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)
        ORDER BY index.relname
        """,
        [table],
    )
    return list(cursor.fetchall())


class Copier:
    """COPY … FROM STDIN into the app's tables, timed and counted table by table."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def copy(self, model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """`columns` are attribute names (user_id, not user). Every column without a
        database default must be given: Django's defaults live in Python, not in the
        table, so a field left out would be NULL."""
        meta = model._meta
        given = set(columns)
        missing = [f.attname for f in meta.concrete_fields if f.attname not in given and not f.null]
        if missing:
            raise ValueError(f"{meta.label}: no value for the non-null columns {missing}")
        names = ", ".join(connection.ops.quote_name(meta.get_field(c).column) for c in columns)
        started = time.perf_counter()
        count = 0
        with self.cursor.copy(f"COPY {meta.db_table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        label = meta.label
        self.counts[label] = self.counts.get(label, 0) + count
        self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
        return count


def reset_sequences(loaded: Iterable[type[Model]]) -> None:
    """Move each identity sequence past the largest id (COPY wrote the ids)."""
    with connection.cursor() as cursor:
        for model in loaded:
            pk = model._meta.pk
            if not isinstance(pk, AutoField):
                continue  # one-to-one primary keys (Profile, Home) have no sequence
            table, column = model._meta.db_table, pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608 (our own table)
                f"COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)",
                [table, column],
            )


# --- meta: what is loaded -------------------------------------------------------------------


def _ensure_meta_table(cursor) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (id int PRIMARY KEY, data jsonb)")


def loaded_meta() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT data FROM {META_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _write_meta(report: Report) -> None:
    with connection.cursor() as cursor:
        _ensure_meta_table(cursor)
        cursor.execute(
            f"INSERT INTO {META_TABLE} (id, data) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            [json.dumps(report.as_meta())],
        )


def matching_load(members: int, communities: int, seed: int) -> dict[str, Any] | None:
    """The meta of the data in the database if it is this generator's, of this size and
    seed, and still whole (another benchmark may have emptied the communities since)."""
    meta = loaded_meta()
    if not meta:
        return None
    wanted = {"version": VERSION, "members": members, "communities": communities, "seed": seed}
    if any(meta.get(key) != value for key, value in wanted.items()):
        return None
    counts = meta.get("counts", {})
    if Community.objects.count() != counts.get(Community._meta.label):
        return None
    if User.objects.count() != counts.get(User._meta.label):
        return None
    if Membership.objects.count() != counts.get(Membership._meta.label):
        return None
    return meta


# --- generating -----------------------------------------------------------------------------


class Clock:
    """Timestamps as epoch seconds (floats, numpy-friendly) → aware datetimes."""

    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    @staticmethod
    def at(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def days_ago(self, days: float) -> float:
        return self.now - days * 86_400


@dataclass
class Place:
    """A community being generated: its row and who lives there."""

    index: int
    community: Community
    site: bench_geometry.Site
    created: float  # epoch seconds
    members: np.ndarray  # user ids, creator first; referents are the first `referents`
    joined: np.ndarray  # epoch seconds, aligned with members
    referents: int
    twins: list[int] = field(default_factory=list)  # indexes of twinned places


def _sizes(np_rng: np.random.Generator, members: int, communities: int) -> np.ndarray:
    """Members per community, log-normal, adding up to exactly `members`."""
    if members < communities * MIN_COMMUNITY:
        raise ValueError(
            f"{members} members cannot fill {communities} communities of {MIN_COMMUNITY} at least"
        )
    weights = np_rng.lognormal(0.0, SIZE_SIGMA, communities)
    spare = members - communities * MIN_COMMUNITY
    sizes = np.minimum(
        MIN_COMMUNITY + np.floor(weights / weights.sum() * spare).astype(np.int64), MAX_COMMUNITY
    )
    # The remainder goes one by one to the communities still under the cap.
    short = members - int(sizes.sum())
    while short > 0:
        room = np.flatnonzero(sizes < MAX_COMMUNITY)
        chosen = np_rng.choice(room, size=min(short, len(room)), replace=False)
        sizes[chosen] += 1
        short = members - int(sizes.sum())
    return sizes


def _points_inside(
    np_rng: np.random.Generator, polygon, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """`count` random points inside the polygon (longitudes, latitudes)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < count:
        batch = max(16, int((count - found) * 1.8))
        x = np_rng.uniform(min_x, max_x, batch)
        y = np_rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(polygon, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]


def _names_of(user_id: int) -> tuple[str, str]:
    """A loaded member's (first name, last name)."""
    return FIRST_NAMES[user_id % len(FIRST_NAMES)], LAST_NAMES[(user_id // 7) % len(LAST_NAMES)]


def _directory_name_of(user_id: int) -> str:
    first, last = _names_of(user_id)
    return f"{last} {first}"


def _mobile(user_id: int) -> str:
    # Orange (07), MTN (05), Moov (01): ten digits since 2021.
    return f"+225{('07', '05', '01')[user_id % 3]}{user_id:08d}"


class Generator:
    """Builds the rows in memory where they are small, streams them where they are big."""

    def __init__(self, members: int, communities: int, seed: int, now: datetime) -> None:
        self.members = members
        self.community_count = communities
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.clock = Clock(now)
        self.now = now
        self.places: list[Place] = []
        self.users = 0
        self.pending: list[tuple[int, int, float]] = []  # (user, place index, requested)
        self.moved: dict[int, tuple[int, float, float]] = {}  # user → (old place, joined, left)
        self.home_place: np.ndarray = np.zeros(0, dtype=np.int64)
        self.has_email: np.ndarray = np.zeros(0, dtype=bool)
        self.has_push: np.ndarray = np.zeros(0, dtype=bool)
        self.sms_alerts: np.ndarray = np.zeros(0, dtype=bool)
        self.staff_id = 0
        self.contacts: dict[int, list[tuple[int, str, str]]] = {}  # commune → contacts
        self.twinnings: list[tuple[int, int, str]] = []  # (requester, partner, status)

    # --- communities

    def build_communities(self) -> list[Community]:
        communes = list(Commune.objects.order_by("pk"))
        self.town_hall_communes = {
            commune.slug: commune.pk for commune in communes if commune.slug in TOWN_HALL_COMMUNES
        }
        if not communes:
            raise RuntimeError("No communes: the data migration 0002_load_communes did not run.")
        sites = bench_geometry.allocate_sites(communes, self.community_count)
        self.rng.shuffle(sites)  # ids in no geographic order, as after years of use
        communities = []
        for number, site in enumerate(sites, start=1):
            community = bench_geometry._build(self.rng, site, number)
            created = self.clock.days_ago(self.rng.uniform(30, HISTORY_DAYS))
            community.created_at = self.clock.at(created)
            community.public_page = self.rng.random() < 0.1
            communities.append(community)
        self._sites = sites
        return communities

    def place_members(self, communities: list[Community]) -> None:
        """Give every community its members (user ids in random order over the country,
        as people sign up) and say who is référent, who waits, who moved."""
        sizes = _sizes(self.np_rng, self.members, len(communities))
        pending = round(self.members * PENDING_SHARE)
        self.users = self.members + pending
        ids = self.np_rng.permutation(self.users) + 1
        self.home_place = np.zeros(self.users + 2, dtype=np.int64)
        start = 0
        for index, (community, site, size) in enumerate(
            zip(communities, self._sites, sizes, strict=True)
        ):
            members = ids[start : start + size]
            start += size
            created = community.created_at.timestamp()
            joined = self.np_rng.uniform(created, self.clock.now - 3_600, size)
            joined[0] = created  # the creator
            referents = 1 + int(size >= 30) + int(size >= 200) + int(size >= 1_000)
            self.home_place[members] = index
            self.places.append(
                Place(index, community, site, created, members, joined, min(referents, size))
            )
        # Pending requests, more of them where more people live.
        weights = sizes / sizes.sum()
        chosen = self.np_rng.choice(len(communities), size=pending, p=weights)
        for user_id, index in zip(ids[start:], chosen, strict=True):
            requested = self.clock.days_ago(self.rng.uniform(0, 14))
            self.pending.append((int(user_id), int(index), requested))
            self.home_place[user_id] = index
        # Members who lived in another community before (not creators: they founded it).
        for place in self.places:
            for k in range(1, len(place.members)):
                if self.rng.random() >= MOVED_SHARE:
                    continue
                old = self.rng.randrange(len(self.places))
                left = place.joined[k] - self.rng.uniform(86_400, 30 * 86_400)
                previous = self.places[old]
                if old == place.index or previous.created >= left - 86_400:
                    continue
                self.moved[int(place.members[k])] = (
                    old,
                    self.rng.uniform(previous.created, left - 3_600),
                    left,
                )
        self.staff_id = self.users + 1
        # Who can be reached how: a few phone-only members (no e-mail: registered by a
        # référent), a share with a push subscription.
        size = self.users + 2
        self.has_email = self.np_rng.random(size) >= NO_EMAIL_SHARE
        self.has_push = self.has_email & (self.np_rng.random(size) < PUSH_SHARE)
        # SMS alerts off only for some members reachable by push (preferences.py's rule).
        self.sms_alerts = ~(self.has_push & (self.np_rng.random(size) < 0.15))
        self.mobile_verified = self.np_rng.random(size) < 0.95

    def pair_twins(self) -> None:
        """Twin communities with a neighbour of the lattice, at most ~2 km away."""
        by_cell = {(place.site.column, place.site.row): place.index for place in self.places}
        paired: set[tuple[int, int]] = set()
        offsets = [
            (dx, dy)
            for dx in range(-TWIN_RADIUS_CELLS, TWIN_RADIUS_CELLS + 1)
            for dy in range(-TWIN_RADIUS_CELLS, TWIN_RADIUS_CELLS + 1)
            if (dx, dy) != (0, 0)
        ]
        for place in self.places:
            if self.rng.random() >= TWINNED_SHARE:
                continue
            neighbours = [
                by_cell[cell]
                for dx, dy in offsets
                if (cell := (place.site.column + dx, place.site.row + dy)) in by_cell
            ]
            neighbours = [
                other
                for other in neighbours
                if (min(place.index, other), max(place.index, other)) not in paired
            ]
            if not neighbours:
                continue
            other = self.rng.choice(neighbours)
            paired.add((min(place.index, other), max(place.index, other)))
            status = TwinningStatus.ENDED if self.rng.random() < 0.05 else TwinningStatus.ACTIVE
            self.twinnings.append((place.index, other, status))
            if status == TwinningStatus.ACTIVE:
                place.twins.append(other)
                self.places[other].twins.append(place.index)

    # --- rows

    def user_rows(self, password: str) -> Iterator[tuple]:
        now = self.now
        joined_at: dict[int, float] = {}
        for place in self.places:
            for user_id, joined in zip(place.members.tolist(), place.joined.tolist(), strict=True):
                joined_at[user_id] = joined
        for user_id, _index, requested in self.pending:
            joined_at[user_id] = requested
        for user_id, (_old, old_joined, _left) in self.moved.items():
            joined_at[user_id] = old_joined
        for user_id in range(1, self.users + 1):
            rng = self.rng.random()
            yield (
                user_id,
                password,
                None,
                False,
                f"m{user_id}@{EMAIL_DOMAIN}" if self.has_email[user_id] else None,
                *_names_of(user_id),
                PSEUDONYMS[user_id % len(PSEUDONYMS)] if rng < 0.2 else "",
                _mobile(user_id),
                bool(self.mobile_verified[user_id]),
                f"+22527{22_000_000 + user_id % 1_000_000:08d}" if rng > 0.9 else "",
                rng < 0.08,
                False,
                rng < 0.3,
                bool(self.sms_alerts[user_id]),
                "en" if user_id % 10 == 0 else "fr",
                False,
                True,
                self.clock.at(joined_at[user_id] - 600),
                None,
            )
        yield (
            self.staff_id,
            password,
            None,
            False,
            STAFF_EMAIL,
            "Équipe",
            "MonQuartier",
            "",
            "",
            False,
            "",
            True,
            True,
            False,
            False,
            "fr",
            True,
            True,
            now,
            None,
        )

    USER_COLUMNS = (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "email",
        "first_name",
        "last_name",
        "pseudonym",
        "mobile",
        "mobile_verified",
        "landline",
        "hide_mobile",
        "hide_landline",
        "newsletter",
        "alert_sms",
        "language",
        "is_staff",
        "is_active",
        "date_joined",
        "closed_at",
    )

    def email_rows(self) -> Iterator[tuple]:
        for user_id in range(1, self.users + 1):
            if self.has_email[user_id]:
                yield (user_id, user_id, f"m{user_id}@{EMAIL_DOMAIN}", True, True)
        yield (self.staff_id, self.staff_id, STAFF_EMAIL, True, True)

    def profile_rows(self) -> Iterator[tuple]:
        now = self.now
        for user_id in range(1, self.staff_id + 1):
            draw = self.rng.random()
            birth = (
                date(1950 + user_id % 55, 1 + user_id % 12, 1 + user_id % 28)
                if draw < 0.4
                else None
            )
            yield (
                user_id,
                "",
                "",
                "Au quartier depuis longtemps, toujours prêt à rendre service."
                if draw < 0.1
                else "",
                INTERESTS[user_id % len(INTERESTS)] if draw < 0.25 else "",
                birth,
                "",
                False,
                False,
                "",
                False,
                now,
            )

    def home_rows(self) -> Iterator[tuple]:
        now = self.now
        per_place: dict[int, list[int]] = {}
        for user_id in range(1, self.users + 1):
            per_place.setdefault(int(self.home_place[user_id]), []).append(user_id)
        for index, user_ids in per_place.items():
            place = self.places[index]
            community = place.community
            polygon = geometry.polygon_from_geojson(community.area)
            longitudes, latitudes = _points_inside(self.np_rng, polygon, len(user_ids))
            quartier = community.name[:80]
            for user_id, longitude, latitude in zip(
                user_ids, longitudes.tolist(), latitudes.tolist(), strict=True
            ):
                yield (
                    user_id,
                    community.commune_id,
                    quartier,
                    f"Lot {user_id % 900 + 1}, îlot {user_id % 40 + 1}",
                    LANDMARKS[user_id % len(LANDMARKS)],
                    latitude,
                    longitude,
                    now,
                )

    def membership_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        directory_name = _directory_name_of
        number = 0
        for place in self.places:
            community_id = place.community.pk
            creator = int(place.members[0])
            for k, (user_id, joined) in enumerate(
                zip(place.members.tolist(), place.joined.tolist(), strict=True)
            ):
                number += 1
                yield (
                    number,
                    user_id,
                    community_id,
                    MembershipStatus.ACTIVE,
                    k < place.referents,
                    at(joined - 3_600 * (k > 0)),
                    at(joined),
                    None if k == 0 else creator,
                    "",
                    None,
                    None,
                    None,
                    directory_name(user_id),
                )
        for user_id, index, requested in self.pending:
            number += 1
            yield (
                number,
                user_id,
                self.places[index].community.pk,
                MembershipStatus.PENDING,
                False,
                at(requested),
                None,
                None,
                "",
                None,
                None,
                None,
                directory_name(user_id),
            )
        for user_id, (old, joined, left) in self.moved.items():
            number += 1
            yield (
                number,
                user_id,
                self.places[old].community.pk,
                MembershipStatus.LEFT,
                False,
                at(joined - 3_600),
                at(joined),
                int(self.places[old].members[0]),
                "",
                at(left),
                None,
                None,
                directory_name(user_id),
            )

    MEMBERSHIP_COLUMNS = (
        "id",
        "user_id",
        "community_id",
        "status",
        "is_referent",
        "requested_at",
        "joined_at",
        "decided_by_id",
        "refusal_reason",
        "ended_at",
        "escalated_at",
        "registered_by_id",
        "directory_name",
    )

    def movement_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0

        def row(community_id, kind, actor, member, other, when):
            nonlocal number
            number += 1
            return (number, community_id, kind, actor, member, other, "", at(when))

        for place in self.places:
            community_id = place.community.pk
            creator = int(place.members[0])
            yield row(community_id, MovementKind.CREATED, creator, creator, None, place.created)
            for k in range(1, len(place.members)):
                user_id, joined = int(place.members[k]), float(place.joined[k])
                yield row(community_id, MovementKind.ARRIVAL, creator, user_id, None, joined)
                if k < place.referents:
                    yield row(
                        community_id,
                        MovementKind.REFERENT_ADDED,
                        creator,
                        user_id,
                        None,
                        joined + 60,
                    )
        for user_id, index, requested in self.pending:
            yield row(
                self.places[index].community.pk,
                MovementKind.JOIN_REQUESTED,
                user_id,
                user_id,
                None,
                requested,
            )
        for user_id, (old, joined, left) in self.moved.items():
            community_id = self.places[old].community.pk
            yield row(community_id, MovementKind.ARRIVAL, None, user_id, None, joined)
            yield row(community_id, MovementKind.DEPARTURE, user_id, user_id, None, left)
        for requester, partner, status in self.twinnings:
            asked, other = self.places[requester], self.places[partner]
            when = max(asked.created, other.created) + 86_400
            for side, opposite in ((asked, other), (other, asked)):
                yield row(
                    side.community.pk,
                    MovementKind.TWINNING_STARTED,
                    int(asked.members[0]),
                    None,
                    opposite.community.pk,
                    when,
                )
                if status == TwinningStatus.ENDED:
                    yield row(
                        side.community.pk,
                        MovementKind.TWINNING_ENDED,
                        int(other.members[0]),
                        None,
                        opposite.community.pk,
                        when + 30 * 86_400,
                    )

    def twinning_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        for number, (requester, partner, status) in enumerate(self.twinnings, start=1):
            asked, other = self.places[requester], self.places[partner]
            when = max(asked.created, other.created) + 86_400
            ended = status == TwinningStatus.ENDED
            yield (
                number,
                asked.community.pk,
                other.community.pk,
                status,
                int(asked.members[0]),
                int(other.members[0]),
                int(other.members[0]) if ended else None,
                at(when - 3_600),
                at(when),
                at(when + 30 * 86_400) if ended else None,
            )

    def contact_rows(self) -> Iterator[tuple]:
        # Read before the COPY starts: no other query can run on the connection during it.
        slugs = self.town_hall_communes
        for number, slug in enumerate(TOWN_HALL_COMMUNES, start=1):
            if slug not in slugs:
                continue
            email = f"mairie-{slug}@{EMAIL_DOMAIN}"
            mobile = f"+2250500{number:06d}"
            self.contacts.setdefault(slugs[slug], []).append((number, email, mobile))
            yield (
                number,
                slugs[slug],
                f"Mairie de {slug.title()}",
                "Sécurité",
                email,
                mobile,
                True,
            )

    def push_rows(self, keys) -> Iterator[tuple]:
        now = self.now
        subscribed = (np.flatnonzero(self.has_push[1 : self.users + 1]) + 1).tolist()
        for number, user_id in enumerate(subscribed, start=1):
            key = keys[user_id % len(keys)]
            yield (
                number,
                user_id,
                f"{PUSH_PLACEHOLDER}/push/{user_id}/{user_id % len(keys)}",
                key[0],
                key[1],
                "Mozilla/5.0 (Linux; Android 12) bench",
                now,
                None,
            )

    def preference_rows(self) -> Iterator[tuple]:
        kinds = [NotificationKind.GAZETTE, NotificationKind.MOVEMENT, NotificationKind.MESSAGE]
        modes = [Mode.INSTANT, Mode.OFF, Mode.DIGEST]
        number = 0
        for user_id in range(1, self.users + 1):
            if self.rng.random() >= PREFERENCE_SHARE:
                continue
            number += 1
            yield (number, user_id, kinds[user_id % 3], modes[(user_id // 3) % 3])

    def _member_at(self, place: Place, when: float) -> int:
        """A member drawn at random among those who had joined by `when` (the creator
        had: alerts and posts come after the community's creation)."""
        k = self.rng.randrange(len(place.members))
        return int(place.members[k]) if place.joined[k] <= when else int(place.members[0])

    # --- alerts, their deliveries and reads

    def alert_rows(self) -> Iterator[tuple]:
        """Alerts, and as a side effect the plan of their deliveries and reads."""
        at = self.clock.at
        categories = list(ALERT_WEIGHTS)
        weights = [ALERT_WEIGHTS[category] for category in categories]
        sources = [AlertSource.WEB] * 16 + [AlertSource.SMS] * 2 + [AlertSource.API] * 2
        self.alerts: list[tuple[int, int, int, float]] = []  # (alert, place, sender, time)
        number = 0
        for place in self.places:
            count = int(self.np_rng.poisson(ALERT_BASE + len(place.members) * ALERT_PER_MEMBER))
            start = max(place.created, self.clock.days_ago(ALERT_DAYS))
            times = sorted(self.rng.uniform(start, self.clock.now - 600) for _ in range(count))
            last_by_sender: dict[int, int] = {}
            polygon = None
            for when in times:
                number += 1
                sender = self._member_at(place, when)
                category = self.rng.choices(categories, weights=weights, k=1)[0]
                latitude = longitude = None
                if self.rng.random() < 0.3:
                    polygon = polygon or geometry.polygon_from_geojson(place.community.area)
                    xs, ys = _points_inside(self.np_rng, polygon, 1)
                    longitude, latitude = float(xs[0]), float(ys[0])
                corrects = last_by_sender.get(sender) if self.rng.random() < 0.1 else None
                hidden = self.rng.random() < 0.003
                last_by_sender[sender] = number
                self.alerts.append((number, place.index, sender, when))
                yield (
                    number,
                    place.community.pk,
                    sender,
                    category,
                    ALERT_TEXTS[category].format(n=sender % 900 + 1, h=int(when // 3_600 % 24)),
                    latitude,
                    longitude,
                    corrects,
                    self.rng.choice(sources),
                    at(when),
                    at(when + 2),
                    at(when + 3_600) if hidden else None,
                    self.staff_id if hidden else None,
                    "Alerte mensongère" if hidden else "",
                )

    ALERT_COLUMNS = (
        "id",
        "community_id",
        "sender_id",
        "category",
        "text",
        "latitude",
        "longitude",
        "corrects_id",
        "source",
        "created_at",
        "fanned_out_at",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
    )

    def _readers(self, place: Place, sender: int, alert_id: int) -> list[int]:
        """Who opened the alert: a stable draw per (alert, member)."""
        members = place.members
        draws = np.random.default_rng(alert_id).random(len(members))
        return [
            int(user) for user, draw in zip(members.tolist(), draws, strict=True)
            if draw < ALERT_READ_SHARE and user != sender
        ]  # fmt: skip

    def read_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for alert_id, index, sender, when in self.alerts:
            for user_id in self._readers(self.places[index], sender, alert_id):
                number += 1
                yield (number, alert_id, user_id, at(when + 30 + user_id % 170))

    def delivery_rows(self) -> Iterator[tuple]:
        """The outbox as the fan-out and the senders left it (notifications/fanout.py's
        rules): every row handed over, none left to send."""
        at = self.clock.at
        has_email, has_push, sms_alerts = self.has_email, self.has_push, self.sms_alerts
        verified = self.mobile_verified
        sent, delivered, cancelled, failed = (
            DeliveryStatus.SENT,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.CANCELLED,
            DeliveryStatus.FAILED,
        )
        delay = 180.0
        number = 0
        for alert_id, index, sender, when in self.alerts:
            place = self.places[index]
            readers = set(self._readers(place, sender, alert_id))
            created, done = at(when + 1), at(when + 3)
            sms_done = at(when + delay + 2)
            for user_id in place.members.tolist():
                if user_id == sender:
                    continue
                email, push = has_email[user_id], has_push[user_id]
                if email:
                    number += 1
                    yield (
                        number, alert_id, user_id, None, Channel.EMAIL, f"m{user_id}@{EMAIL_DOMAIN}",
                        COMMUNITY, sent, created, 1, done, done, None, "", "", created,
                    )  # fmt: skip
                if push:
                    number += 1
                    status = failed if user_id % 50 == 0 else sent
                    yield (
                        number, alert_id, user_id, None, Channel.PUSH, "", COMMUNITY, status,
                        created, 1, done, done if status == sent else None, None, "",
                        "410 Gone: subscription expired" if status == failed else "", created,
                    )  # fmt: skip
                if verified[user_id] and sms_alerts[user_id]:
                    number += 1
                    phone_only = not email and not push
                    if user_id in readers and not phone_only:
                        yield (
                            number, alert_id, user_id, None, Channel.SMS, _mobile(user_id),
                            COMMUNITY, cancelled, at(when + delay), 0, None, None, None, "", "",
                            created,
                        )  # fmt: skip
                    else:
                        due = created if phone_only else at(when + delay)
                        yield (
                            number, alert_id, user_id, None, Channel.SMS, _mobile(user_id),
                            COMMUNITY, delivered, due, 1, sms_done, sms_done, sms_done,
                            f"ATPid_{alert_id}_{user_id}", "", created,
                        )  # fmt: skip
            for twin in place.twins:
                for user_id in self.places[twin].members.tolist():
                    if has_email[user_id]:
                        number += 1
                        yield (
                            number, alert_id, user_id, None, Channel.EMAIL,
                            f"m{user_id}@{EMAIL_DOMAIN}", TWINNED, sent, created, 1, done, done,
                            None, "", "", created,
                        )  # fmt: skip
            for contact_id, email, mobile in self.contacts.get(place.community.commune_id, ()):
                for channel, address in ((Channel.EMAIL, email), (Channel.SMS, mobile)):
                    number += 1
                    yield (
                        number, alert_id, None, contact_id, channel, address, TOWN_HALL, sent,
                        created, 1, done, done, None, "", "", created,
                    )  # fmt: skip

    DELIVERY_COLUMNS = (
        "id",
        "alert_id",
        "user_id",
        "contact_id",
        "channel",
        "address",
        "audience",
        "status",
        "due_at",
        "attempts",
        "claimed_at",
        "sent_at",
        "delivered_at",
        "provider_id",
        "last_error",
        "created_at",
    )

    # --- gazette

    def post_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        categories = list(POST_TEXTS)
        self.photos: list[tuple[int, float]] = []
        number = 0
        for place in self.places:
            count = int(self.np_rng.poisson(POST_BASE + len(place.members) * POST_PER_MEMBER))
            for _k in range(count):
                number += 1
                when = self.rng.uniform(place.created, self.clock.now - 60)
                author = self._member_at(place, when)
                category = categories[number % len(categories)]
                title, text = POST_TEXTS[category]
                thing = THINGS[number % len(THINGS)]
                edited = self.rng.random() < 0.1
                hidden = self.rng.random() < 0.003
                if self.rng.random() < PHOTO_SHARE:
                    self.photos.append((number, when))
                yield (
                    number,
                    place.community.pk,
                    author,
                    category,
                    title.format(thing=thing),
                    text.format(n=author % 900 + 1),
                    at(when),
                    at(when + 3_600) if edited else None,
                    at(when + 7_200) if hidden else None,
                    self.staff_id if hidden else None,
                    "Annonce hors charte" if hidden else "",
                )

    POST_COLUMNS = (
        "id",
        "community_id",
        "author_id",
        "category",
        "title",
        "text",
        "created_at",
        "edited_at",
        "hidden_at",
        "hidden_by_id",
        "hidden_reason",
    )

    def attachment_rows(self) -> Iterator[tuple]:
        # The rows only: the list pages read them (one prefetch query) and print links;
        # no page of the benchmarks opens the files.
        at = self.clock.at
        for number, (post_id, when) in enumerate(self.photos, start=1):
            yield (
                number,
                post_id,
                AttachmentKind.PHOTO,
                f"gazette/bench-{post_id}.jpg",
                f"gazette/bench-{post_id}-vignette.jpg",
                "photo.jpg",
                84_000,
                1280,
                960,
                0,
                at(when),
            )

    # --- messages

    def conversation_plan(self) -> None:
        """Conversations between members with an e-mail (those who can log in), of one
        community, now and then with a twinned one; messages alternate between them."""
        self.conversations: list[tuple[int, list[int], list[tuple[int, float]]]] = []
        number = 0
        for place in self.places:
            writers = [user for user in place.members.tolist() if self.has_email[user]]
            if len(writers) < 2:
                continue
            starters = self.np_rng.random(len(writers)) < CONVERSATION_SHARE
            for starter in [user for user, go in zip(writers, starters, strict=True) if go]:
                pool = writers
                if place.twins and self.rng.random() < 0.1:
                    twin = self.places[self.rng.choice(place.twins)]
                    pool = [
                        user for user in twin.members.tolist() if self.has_email[user]
                    ] or writers
                others = {self.rng.choice(pool) for _ in range(1 if self.rng.random() < 0.8 else 3)}
                others.discard(starter)
                if not others:
                    continue
                number += 1
                people = [starter, *sorted(others)]
                count = 1 + int(self.np_rng.geometric(0.3))
                when = self.rng.uniform(
                    max(place.created, self.clock.days_ago(ALERT_DAYS)), self.clock.now - 86_400
                )
                thread = []
                for k in range(count):
                    thread.append((people[k % len(people)], when))
                    when += self.rng.uniform(60, 36_000)
                self.conversations.append((number, people, thread))

    def conversation_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        for number, _people, thread in self.conversations:
            yield (number, at(thread[0][1]), at(thread[-1][1]))

    def participant_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for conversation_id, people, thread in self.conversations:
            last_sender, last_time = thread[-1]
            for user_id in people:
                number += 1
                if user_id == last_sender or self.rng.random() < 0.7:
                    read = at(last_time)
                elif len(thread) > 1 and self.rng.random() < 0.5:
                    read = at(thread[-2][1])
                else:
                    read = None
                yield (number, conversation_id, user_id, at(thread[0][1]), read)

    def message_rows(self) -> Iterator[tuple]:
        at = self.clock.at
        number = 0
        for conversation_id, _people, thread in self.conversations:
            for sender, when in thread:
                number += 1
                yield (
                    number,
                    conversation_id,
                    sender,
                    MESSAGE_TEXTS[number % len(MESSAGE_TEXTS)],
                    at(when),
                    None,
                    None,
                    "",
                )


# --- loading --------------------------------------------------------------------------------

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
        report.foreign_keys_checked = not _is_superuser(cursor)
        if not report.foreign_keys_checked:
            # Foreign keys are checked by triggers; off for this transaction, as
            # pg_restore --disable-triggers does (the test checks every key instead).
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        tables = [model._meta.db_table for model in LOADED_MODELS]
        deferred = {table: _secondary_indexes(cursor, table) for table in tables}
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
        _write_meta(report)
        stamp = _timed(phases, "commit", stamp)
    for label, seconds in copier.seconds.items():
        phases[f"COPY {label}"] = seconds
    stamp = time.perf_counter()
    say("VACUUM ANALYZE …")
    vacuum_analyze(LOADED_MODELS)
    _timed(phases, "VACUUM ANALYZE", stamp)
    report.phases = phases
    report.seconds = time.perf_counter() - began
    _write_meta(report)
    return report


# --- what the page benchmarks read of it ------------------------------------------------

# The member pages (TARGETS.md, "member pages"; issue 6, item 3), in the order shown.
PAGES = (
    "home",
    "alerts",
    "alert",
    "gazette",
    "post",
    "directory",
    "community",
    "conversations",
    "conversation",
)


@dataclass(frozen=True)
class Member:
    """A loaded member who can log in, and the address of each member page for them."""

    user_id: int
    email: str
    community_id: int
    urls: dict[str, str]


_SAMPLE_SQL = """
    SELECT m.user_id, u.email, m.community_id
    FROM communities_membership AS m
    JOIN accounts_user AS u ON u.id = m.user_id
    WHERE m.status = 'active' AND u.email IS NOT NULL AND u.is_active AND NOT u.is_staff
      AND EXISTS (SELECT 1 FROM messaging_participant AS p WHERE p.user_id = m.user_id)
      AND EXISTS (SELECT 1 FROM alerts_alert AS a
                  WHERE a.community_id = m.community_id AND a.hidden_at IS NULL)
      AND EXISTS (SELECT 1 FROM gazette_post AS g
                  WHERE g.community_id = m.community_id AND g.hidden_at IS NULL)
      {extra}
    ORDER BY random()
    LIMIT %s
"""


def sample_members(count: int, seed: int = 1, *, largest_share: float = 0.1) -> list[Member]:
    """`count` members drawn at random among those who have something on every page
    (an alert and a post in their community, a conversation), a share of them from the
    largest community (the longest lists). Reproducible for a seed and the same data."""
    from django.urls import reverse

    largest = max(1, round(count * largest_share)) if count > 1 else 0
    rows: list[tuple[int, str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            "SELECT community_id FROM communities_membership WHERE status = 'active' "
            "GROUP BY community_id ORDER BY count(*) DESC, community_id LIMIT 1"
        )
        found = cursor.fetchone()
        if found and largest:
            cursor.execute(_SAMPLE_SQL.format(extra="AND m.community_id = %s"), [found[0], largest])
            rows += cursor.fetchall()
        cursor.execute(_SAMPLE_SQL.format(extra=""), [count - len(rows)])
        rows += cursor.fetchall()
    members = []
    rng = random.Random(seed)
    for user_id, email, community_id in rows:
        alerts = list(
            Alert.objects.visible()
            .filter(community_id=community_id)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:20]
        )
        posts = list(
            Post.objects.visible()
            .filter(community_id=community_id)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:20]
        )
        conversations = list(
            Participant.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
        )
        urls = {
            "home": reverse("home"),
            "alerts": reverse("alerts:list"),
            "alert": reverse("alerts:detail", args=[rng.choice(alerts)]),
            "gazette": reverse("gazette:list"),
            "post": reverse("gazette:detail", args=[rng.choice(posts)]),
            "directory": reverse("communities:directory", args=[community_id]),
            "community": reverse("communities:info", args=[community_id]),
            "conversations": reverse("messaging:list"),
            "conversation": reverse("messaging:conversation", args=[rng.choice(conversations)]),
        }
        members.append(Member(user_id, email, community_id, urls))
    return members


def sizes_for(options: argparse.Namespace) -> tuple[int, int]:
    members = getattr(options, "members", None)
    communities = getattr(options, "scale_communities", None)
    quick = bool(getattr(options, "quick", False))
    if members is None:
        members = QUICK_MEMBERS if quick else MEMBERS
    if communities is None:
        communities = QUICK_COMMUNITIES if quick else COMMUNITIES
    return members, communities


def ensure_loaded(options: argparse.Namespace, *, reload: bool = False) -> Report:
    """The scale data of the options' size: reused when it is in the database already
    (unless `reload`), loaded otherwise."""
    check_database()
    members, communities = sizes_for(options)
    seed = getattr(options, "seed", 1)
    meta = None if reload else matching_load(members, communities, seed)
    if meta is not None:
        print(
            f"   reusing the scale data ({members} members, {communities} communities)", flush=True
        )
        report = Report(members=members, communities=communities, seed=seed, reused=True)
        report.counts = meta.get("counts", {})
        report.seconds = meta.get("seconds", 0.0)
        report.phases = meta.get("phases", {})
        report.largest_community = meta.get("largest_community", 0)
        report.median_community = meta.get("median_community", 0)
        report.foreign_keys_checked = meta.get("foreign_keys_checked", True)
        return report
    print(f"   loading {members} members in {communities} communities …", flush=True)
    report = load(members, communities, seed)
    print(f"   loaded in {report.seconds:.1f} s", flush=True)
    return report


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def describe(report: Report) -> list[dict[str, Any]]:
    counts = report.counts
    rows_total = sum(counts.values())
    slowest = sorted(report.phases.items(), key=lambda item: item[1], reverse=True)[:8]
    load_note = (
        f"measured when it was loaded (reused now, --keep): {report.seconds:.1f} s; "
        if report.reused
        else ""
    ) + (
        f"{_thousands(rows_total)} rows by COPY (psycopg 3) in one transaction, secondary indexes "
        f"dropped and rebuilt, foreign keys "
        + (
            "checked"
            if report.foreign_keys_checked
            else "not checked during the COPY (session_replication_role=replica; tests/bench/test_scale_data.py checks them)"
        )
        + "; then VACUUM ANALYZE. Longest phases: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)
    )
    return [
        _row(
            "load",
            f"scale data: load time ({_thousands(report.members)} members, "
            f"{_thousands(report.communities)} communities)",
            None if report.reused else report.seconds,
            "s",
            note=load_note,
        ),
        _row(
            "rows",
            "scale data: rows loaded",
            rows_total,
            note="; ".join(f"{label} {_thousands(count)}" for label, count in counts.items())
            + f"; community sizes: median {report.median_community}, largest {report.largest_community}",
        ),
    ]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    reload = not bool(getattr(options, "keep", False))
    report = ensure_loaded(options, reload=reload)
    return describe(report)
