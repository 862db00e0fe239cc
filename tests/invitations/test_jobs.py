from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from monquartier.invitations import services
from monquartier.invitations.jobs import forget_invitees
from monquartier.invitations.models import Invitation
from monquartier.outbox import scheduler
from monquartier.outbox.models import Delivery

NEIGHBOUR = "+2250707556677"


def test_old_invitees_are_forgotten_and_still_never_invited_twice_by_one_member(
    yao, riviera, settings
):
    settings.INVITATION_ADDRESS_KEPT_DAYS = 90
    old = services.invite_by_sms(yao, NEIGHBOUR)
    noted = services.invite_by_email(yao, "adjoua@exemple.ci", "À samedi !")
    services.invite_by_email(yao, "brice@exemple.ci")
    Invitation.objects.filter(pk__in=[old.pk, noted.pk]).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    assert forget_invitees("2026-12-01") == "2 invitations forgotten"
    assert forget_invitees("2026-12-01") == "0 invitations forgotten"
    assert set(Invitation.objects.values_list("address", "personal_note")) == {
        ("", ""),
        ("brice@exemple.ci", ""),
    }
    assert set(
        Delivery.objects.filter(invitation__isnull=False).values_list("address", flat=True)
    ) == {
        "",
        "brice@exemple.ci",
    }
    # The digest remembers: Yao cannot invite the same neighbour again.
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(yao, "07 07 55 66 77")
    assert "déjà invité" in " ".join(excinfo.value.messages)


def test_the_job_is_registered_daily():
    job = next(job for job in scheduler._jobs().values() if job.name == "forget_invitees")
    assert job.daily_at is not None
