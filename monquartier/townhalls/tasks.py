"""The town halls' background work, run by the django-tasks database worker."""

from django_tasks import task

from monquartier.accounts.models import User
from monquartier.townhalls import fanout, twinning
from monquartier.townhalls.models import Announcement, TownHall


@task(priority=10)
def fan_out_announcement(*, announcement_id: int) -> int:
    announcement = Announcement.objects.get(pk=announcement_id)
    return fanout.fan_out_announcement(announcement)


@task()
def twin_or_untie_all(*, town_hall_id: int, actor_id: int, end: bool) -> int:
    """Twin every near pair of the commune's communities (or end all their twinnings);
    returns how many. Clears the town hall's mark (bulk_twinning.start) however it ends."""
    try:
        town_hall = TownHall.objects.get(pk=town_hall_id)
        actor = User.objects.get(pk=actor_id)
        return (twinning.end_all if end else twinning.twin_all)(actor, town_hall)
    finally:
        TownHall.objects.filter(pk=town_hall_id).update(bulk_twinning_since=None)
