"""The invitations' periodic job: forget the numbers and addresses of the people invited.

They are data of people who never chose to give them to us; once an invitation is old
enough to have been answered (INVITATION_ADDRESS_KEPT_DAYS), its number or address and
the inviter's personal line are erased, from the invitation and from its outbox rows.
The keyed digest stays: the same member never invites the same person twice."""

from datetime import time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monquartier.invitations.models import Invitation
from monquartier.outbox import scheduler
from monquartier.outbox.models import Delivery
from monquartier.outbox.scheduler import Job

BATCH = 1000


def forget_invitees(period: str) -> str:
    cutoff = timezone.now() - timedelta(days=settings.INVITATION_ADDRESS_KEPT_DAYS)
    forgotten = 0
    while True:
        with transaction.atomic():
            ids = list(
                Invitation.objects.filter(created_at__lt=cutoff)
                .exclude(address="", personal_note="")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return f"{forgotten} invitations forgotten"
            Invitation.objects.filter(pk__in=ids).update(address="", personal_note="")
            Delivery.objects.filter(invitation_id__in=ids).update(address="")
            forgotten += len(ids)


def register() -> None:
    scheduler.register(Job("forget_invitees", forget_invitees, daily_at=time(3, 30)))
