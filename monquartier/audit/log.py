"""Writing to the audit log: the one function every staff action calls."""

from typing import Any

from django.db import models

from monquartier.audit.models import AuditEntry


def record(
    actor: Any,
    action: str,
    *,
    member: Any = None,
    target: models.Model | str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that `actor` (a staff user) did `action` ("community.merge", "member.view"…).

    `member` is the person whose data or account it concerns, if any; `target` what was
    acted on (a model instance is kept as "label:pk"); `reason` the motive staff gave.
    Call it inside the transaction of the action itself, so both land or neither does.
    """
    if isinstance(target, models.Model):
        target = f"{target._meta.label_lower}:{target.pk}"
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=(getattr(actor, "email", "") or str(actor))[:254],
        action=action,
        member=member,
        target=(target or "")[:200],
        reason=reason,
        details=details or {},
    )
