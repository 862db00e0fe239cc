"""Alerts as reportable content (moderation/content.py)."""

from django.urls import reverse

from monquartier.alerts.access import get_alert_for_reader
from monquartier.alerts.models import Alert
from monquartier.alerts.services import hide_alert
from monquartier.moderation import content
from monquartier.moderation.models import ReportKind


def target_for_reporter(user, object_id: int) -> content.Target:
    alert, _own = get_alert_for_reader(user, object_id)
    return content.Target(
        ReportKind.ALERT,
        alert,
        alert.sender,
        alert.community,
        alert.text[:300],
        reverse("alerts:detail", args=[alert.pk]),
    )


def hide(staff, object_id: int, reason: str) -> None:
    hide_alert(staff, Alert.objects.get(pk=object_id), reason)


def register() -> None:
    content.register(ReportKind.ALERT, target_for_reporter=target_for_reporter, hide=hide)
