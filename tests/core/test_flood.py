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


def test_a_refusal_says_when_one_more_will_be_allowed(riviera, awa, small_limit):
    rows = Movement.objects.filter(community=riviera, detail="flood test")
    now = timezone.now()
    for offset in (0, 20):
        with time_machine.travel(now.timestamp() + offset, tick=False):
            Movement.objects.create(community=riviera, kind="created", detail="flood test")
    with time_machine.travel(now.timestamp() + 45, tick=False):
        # The first row leaves the 60 seconds' window 15 seconds from now.
        assert flood.seconds_until_allowed(rows, "test") == pytest.approx(15)
        with pytest.raises(ValidationError) as caught:
            flood.check_flood(rows, "test", "%(count)s au plus")
        # Wrapped by field, as services do, the wait stays with the message.
        wrapped = ValidationError({"text": caught.value})
        [leaf] = wrapped.error_dict["text"]
        assert leaf.params["retry_after"] == pytest.approx(15)
        assert wrapped.messages == ["2 au plus"]
    with time_machine.travel(now.timestamp() + 61, tick=False):
        assert flood.seconds_until_allowed(rows, "test") == 0
