"""The database side of the scale generator: the guard, the wipe, COPY, sequences, indexes."""

import time
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.db import connection
from django.db.models import AutoField, Model

from bench.lib.database import truncate


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


# The apps whose tables the generator empties (not places: a migration loads the communes).
WIPED_APPS = (
    "accounts",
    "account",
    "communities",
    "alerts",
    "gazette",
    "messaging",
    "notifications",
    # The outbox keeps no foreign-key constraints (docs/decisions.md): a TRUNCATE …
    # CASCADE of the members no longer reaches its rows, so it is wiped by name.
    "outbox",
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
        if model._meta.app_label in WIPED_APPS and not model._meta.proxy
    }
    return sorted(tables)


def wipe() -> None:
    """Every row of the app but the communes, ids restarted."""
    truncate(wiped_tables(), restart_identity=True)


def is_superuser(cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
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
