"""The town halls' background work, run by the django-tasks database worker."""

from django_tasks import task

from monquartier.townhalls import fanout
from monquartier.townhalls.models import Announcement


@task(priority=10)
def fan_out_announcement(*, announcement_id: int) -> int:
    announcement = Announcement.objects.get(pk=announcement_id)
    return fanout.fan_out_announcement(announcement)
