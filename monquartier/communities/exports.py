"""A member's memberships and roles, for their download (accounts/exports.py)."""

from typing import Any

from monquartier.communities.models import Membership


def memberships(user) -> list[Any]:
    return [
        {
            "community": row["community__name"],
            "commune": row["community__commune__name"],
            "status": row["status"],
            "referent": row["is_referent"],
            "requested_at": row["requested_at"],
            "joined_at": row["joined_at"],
            "ended_at": row["ended_at"],
            "refusal_reason": row["refusal_reason"],
            "registered_by_a_referent": row["registered_by_id"] is not None,
        }
        for row in Membership.objects.filter(user=user)
        .order_by("requested_at", "id")
        .values(
            "community__name",
            "community__commune__name",
            "status",
            "is_referent",
            "requested_at",
            "joined_at",
            "ended_at",
            "refusal_reason",
            "registered_by_id",
        )
    ]
