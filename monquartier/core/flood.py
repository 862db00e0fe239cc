"""One flood limit for everything a person can make others receive, or make us pay for.

Every limit is named in settings.FLOOD_LIMITS (name -> (count, window in seconds)), the
one table to read or tune. A limit counts the rows the caller hands over (the person's
alerts, posts, SMS…) newer than its window: the rows already saved are the memory, so
the limit holds across processes and restarts without a cache.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class FloodLimit:
    name: str
    count: int
    window: timedelta


def flood_limit(name: str) -> FloodLimit:
    count, seconds = settings.FLOOD_LIMITS[name]
    return FloodLimit(name, count, timedelta(seconds=seconds))


def recent(queryset: QuerySet, name: str, *, field: str = "created_at") -> QuerySet:
    """The rows of the queryset inside the limit's window."""
    since = timezone.now() - flood_limit(name).window
    return queryset.filter(**{f"{field}__gte": since})


def is_flooded(queryset: QuerySet, name: str, *, field: str = "created_at") -> bool:
    """True when the rows in the window already reach the limit: one more is too many."""
    return recent(queryset, name, field=field).count() >= flood_limit(name).count


def seconds_until_allowed(queryset: QuerySet, name: str, *, field: str = "created_at") -> float:
    """How long until one more row is within the limit: until enough of the rows in the
    window have left it (0 when one more is allowed now)."""
    limit = flood_limit(name)
    moments = list(
        recent(queryset, name, field=field).order_by(field).values_list(field, flat=True)
    )
    if len(moments) < limit.count:
        return 0.0
    # The oldest rows leave first; once all but count - 1 are out, one more fits.
    leaving = moments[len(moments) - limit.count]
    return max(0.0, (leaving + limit.window - timezone.now()).total_seconds())


def check_flood(queryset: QuerySet, name: str, message: str, *, field: str = "created_at") -> None:
    """Raise ValidationError (code "flood") when one more row would pass the limit. The
    message may use %(count)s, the limit. Its params' `retry_after` says in how many
    seconds one more will be allowed (the API's Retry-After); params survive the error
    being wrapped by field."""
    if is_flooded(queryset, name, field=field):
        raise ValidationError(
            message,
            code="flood",
            params={
                "count": flood_limit(name).count,
                "retry_after": seconds_until_allowed(queryset, name, field=field),
            },
        )
