"""The reports a member made, for their download (accounts/exports.py). Requests to
exclude them and staff notes are the team's work, not the member's data."""

from typing import Any

from monquartier.moderation.models import Report


def reports_made(user) -> list[Any]:
    return list(
        Report.objects.filter(reporter=user)
        .order_by("created_at")
        .values("kind", "reason", "details", "excerpt", "status", "created_at", "decided_at")
    )
