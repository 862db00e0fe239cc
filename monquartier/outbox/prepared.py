"""A queryset's statement for the rows of a list of ids, compiled once per process.

Django compiles a queryset's SQL again every time it is evaluated. For most pages that
is a fraction of a millisecond; for the senders it is a fixed cost paid for every alert
of every batch: an alert fetched with its community, commune, sender and original is a
five-table join of about a hundred columns, and compiling it was most of its fetch's
time. A sender sees a new alert in nearly every batch of the peak day.

`ById` compiles the queryset once, with the ids as one array parameter (PostgreSQL),
and then only executes that statement. Its rows become instances exactly as the ORM's
own iterator makes them: the same compiler converts each column and populates the
select_related rows, so a test can compare the two.
"""

import threading
from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]


def available(using: str = "default") -> bool:
    """Only PostgreSQL takes the ids as one array; elsewhere use the queryset itself."""
    return connections[using].vendor == "postgresql"


class ById:
    """The rows of `queryset` whose primary key is in a list of ids. The compiler holds
    the connection of the thread that built it: keep one per thread (`per_thread`)."""

    def __init__(self, queryset: QuerySet, *, values: tuple[str, ...] = ()) -> None:
        # `values`: rows as tuples of these (values_list), not instances.
        ids: list[int] = []  # the one parameter, found again below by identity
        filtered = queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
        if values:
            filtered = filtered.values_list(*values)
        self.using = filtered.db
        self.model = cast("type[Model]", queryset.model)
        self.values = values
        self.compiler = filtered.query.get_compiler(using=self.using)
        sql, params = self.compiler.as_sql()
        positions = [index for index, param in enumerate(params) if param is ids]
        if len(positions) != 1:
            raise ImproperlyConfigured(f"{queryset.model}: the ids' parameter was not found")
        self.sql = sql
        self.params = list(params)
        self.position = positions[0]
        if not values:
            klass_info = self.compiler.klass_info
            if klass_info is None or self.compiler.annotation_col_map:
                raise ImproperlyConfigured(f"{queryset.model}: annotations are not carried")
            select = self.compiler.select
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, select, self.using)

    def _rows(self, ids) -> list[Any]:
        params = list(self.params)
        params[self.position] = sorted({int(pk) for pk in ids})
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter([fetched], tuple_expected=True))

    def rows(self, ids) -> list[tuple]:
        """The rows as tuples of the `values` named (values_list's)."""
        if not self.values:
            raise ImproperlyConfigured("rows() is for a ById built with values")
        return self._rows(ids) if ids else []

    def in_bulk(self, ids) -> dict[Any, Model]:
        """As queryset.in_bulk(ids): each instance by its primary key."""
        if self.values:
            raise ImproperlyConfigured("in_bulk() is for a ById built without values")
        if not ids:
            return {}
        found = {}
        for row in self._rows(ids):
            instance = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            found[instance.pk] = instance
        return found


_THREAD = threading.local()


def per_thread(key: Any, build: Callable[[], ById]) -> ById:
    """The ById kept under `key` for this thread, built by `build` the first time."""
    kept: dict[Any, ById] | None = getattr(_THREAD, "kept", None)
    if kept is None:
        kept = _THREAD.kept = {}
    if key not in kept:
        kept[key] = build()
    return kept[key]
