"""The alerts a member sent, for their download (accounts/exports.py)."""

from typing import Any

from monquartier.alerts.models import Alert


def alerts_sent(user) -> list[Any]:
    return [
        {
            "community": alert["community__name"],
            "category": alert["category"],
            "text": alert["text"],
            "latitude": alert["latitude"],
            "longitude": alert["longitude"],
            "source": alert["source"],
            "created_at": alert["created_at"],
            "hidden_by_moderation": alert["hidden_at"] is not None,
        }
        for alert in Alert.objects.filter(sender=user)
        .order_by("created_at")
        .values(
            "community__name",
            "category",
            "text",
            "latitude",
            "longitude",
            "source",
            "created_at",
            "hidden_at",
        )
    ]
