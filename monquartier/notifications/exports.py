"""A member's notification preferences and recent notifications, for their download
(accounts/exports.py)."""

from typing import Any

from monquartier.accounts.exports import recent_since
from monquartier.notifications.models import Notification, NotificationPreference


def preferences(user) -> list[Any]:
    return list(
        NotificationPreference.objects.filter(user=user).order_by("kind").values("kind", "mode")
    )


def notifications(user) -> list[Any]:
    return list(
        Notification.objects.filter(recipient=user, created_at__gte=recent_since())
        .order_by("created_at", "id")
        .values("kind", "event", "url", "created_at", "read_at")
    )
