"""The benchmarks' PostgreSQL: databases made and dropped, rows wiped, tables vacuumed."""

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import IntegrityError, connection, transaction
from django.db.models import Model


def admin_connection(database_url: str):
    """A connection to the server's `postgres` database, where databases are created and
    dropped (autocommit: CREATE DATABASE cannot run inside a transaction)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def database_exists(connection, name: str) -> bool:
    found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return found.fetchone() is not None


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it does not exist yet (PostgreSQL only)."""
    import dj_database_url
    from psycopg import sql

    config = dj_database_url.parse(database_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    name = config["NAME"]
    with admin_connection(database_url) as admin:
        if not database_exists(admin, name):
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.", flush=True)


def drop_database(database_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(database_url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_database(database_url: str, name: str) -> None:
    """A new, empty database (dropped first if it exists)."""
    from psycopg import sql

    drop_database(database_url, name)
    with admin_connection(database_url) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def url_with_name(database_url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def table_name(model: type[Model]) -> str:
    return model._meta.db_table


def vacuum_analyze(models: Iterable[type[Model]]) -> None:
    """Put freshly loaded tables in the state autovacuum keeps a live database in.

    ANALYZE: without statistics the planner guesses table sizes and may pick another plan
    than production's. VACUUM: a wipe leaves every previous row dead in the indexes until
    vacuumed, and the planner, probing the indexes for their actual extreme values, wades
    through them (planning geometry's one-row lookup took 2 ms instead of 0.15 ms, which
    alone broke the 5 ms target). Autovacuum is off on this project's shared PostgreSQL,
    and would not run in time anyway. Inside a transaction (a test's) VACUUM cannot run:
    ANALYZE only."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {table_name(model)}")


def delete_strictly(statements: Sequence[tuple[str, Sequence[Any]]]) -> bool:
    """Run DELETE statements in one transaction, foreign keys checked at each statement
    (Django defers them to the commit). False, and nothing deleted, when another row
    still points at a deleted one: the caller then deletes more widely (TRUNCATE …
    CASCADE, or the ORM's cascading delete)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement, params in statements:
                cursor.execute(statement, params)
    except IntegrityError:
        return False
    return True


def truncate(tables: Iterable[str], *, restart_identity: bool = False) -> None:
    """TRUNCATE … CASCADE: empties the tables and every table that points at them."""
    quote = connection.ops.quote_name
    restart = " RESTART IDENTITY" if restart_identity else ""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(quote(name) for name in tables)}{restart} CASCADE")
