"""Twinning all of a commune's communities, or ending all their twinnings, in the
background: tens of thousands of pairs in a dense commune would outlast any web request.

One such task at a time per town hall: `start` marks the town hall (under a lock, so two
agents confirming at once start one task) and enqueues it; the task clears the mark when
it ends, whatever happens. A mark older than STALE is taken for a task that died with its
worker, and no longer blocks.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.townhalls.models import TownHall
from monquartier.townhalls.tasks import twin_or_untie_all

STALE = timedelta(hours=2)


def running_since(town_hall: TownHall):
    """When the town hall's running task started, or None."""
    since = town_hall.bulk_twinning_since
    if since is None or since < timezone.now() - STALE:
        return None
    return since


def start(actor: User, town_hall: TownHall, *, end: bool) -> bool:
    """Enqueue twinning all (or, with `end`, ending all); False when one already runs."""
    with transaction.atomic():
        locked = TownHall.objects.select_for_update().get(pk=town_hall.pk)
        if running_since(locked) is not None:
            return False
        locked.bulk_twinning_since = timezone.now()
        locked.save(update_fields=["bulk_twinning_since"])
    town_hall.bulk_twinning_since = locked.bulk_twinning_since
    twin_or_untie_all.enqueue(town_hall_id=town_hall.pk, actor_id=actor.pk, end=end)
    return True
