"""The one flood-limit helper: a limit counts the rows of its window, from settings."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from monquartier.communities.models import Movement
from monquartier.core import flood


@pytest.fixture
def small_limit(settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "test": (2, 60)}


def test_the_limit_counts_only_the_rows_of_its_window(riviera, awa, small_limit):
    rows = Movement.objects.filter(community=riviera, detail="flood test")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        Movement.objects.create(community=riviera, kind="created", detail="flood test")
    with time_machine.travel(now.timestamp() + 30, tick=False):
        Movement.objects.create(community=riviera, kind="created", detail="flood test")
        assert flood.is_flooded(rows, "test")
        with pytest.raises(ValidationError, match="2 au plus") as caught:
            flood.check_flood(rows, "test", "%(count)s au plus")
        assert caught.value.code == "flood"
    with time_machine.travel(now.timestamp() + 61, tick=False):
        assert not flood.is_flooded(rows, "test")
        flood.check_flood(rows, "test", "%(count)s au plus")


def test_every_limit_is_a_positive_count_over_a_positive_window(settings):
    for name in settings.FLOOD_LIMITS:
        limit = flood.flood_limit(name)
        assert limit.count >= 1 and limit.window.total_seconds() > 0, name
