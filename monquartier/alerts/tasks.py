"""The alerts' background work, run by the django-tasks database worker."""

from django_tasks import task

from monquartier.alerts import fanout
from monquartier.alerts.models import Alert


@task(priority=10)
def fan_out_alert(*, alert_id: int) -> int:
    alert = Alert.objects.select_related("community").get(pk=alert_id)
    return fanout.fan_out_alert(alert)
