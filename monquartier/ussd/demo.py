"""Demo data for basic phones: "j'ai vu" on the demo alerts (about half of those who
read each one, by the web, SMS or USSD), and one call-back request from the USSD menu in
the first community, and the USSD sessions they took (what the staff's cost pages count).
Idempotent; it sends nothing (the request notifies no one: the
demo's référents would get an e-mail for a number that does not exist)."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from monquartier.alerts.models import AcknowledgementChannel, AlertAcknowledgement, AlertRead
from monquartier.communities.models import Community
from monquartier.ussd.models import CallbackRequest, UssdSession

SESSION_PREFIX = "demo-"
DEMO_CALLER = "+2250102030405"  # a number of the Ivorian plan that no demo member uses
CHANNELS = [AcknowledgementChannel.WEB, AcknowledgementChannel.SMS, AcknowledgementChannel.USSD]


@transaction.atomic
def create_demo_basic_phones() -> tuple[int, int]:
    """(acknowledgements made, call-back requests made)."""
    acknowledged = 0
    if not AlertAcknowledgement.objects.exists():
        rng = random.Random("j'ai vu")  # noqa: S311 # nosec B311 # demo data
        reads = AlertRead.objects.select_related("alert").order_by("pk")
        rows = [
            AlertAcknowledgement(
                alert_id=read.alert_id,
                user_id=read.user_id,
                at=read.read_at,
                channel=rng.choice(CHANNELS),
            )
            for read in reads
            if rng.random() < 0.5
        ]
        acknowledged = len(AlertAcknowledgement.objects.bulk_create(rows, ignore_conflicts=True))
    requests = 0
    community = Community.objects.order_by("pk").first()
    if community is not None and not CallbackRequest.objects.filter(phone=DEMO_CALLER).exists():
        CallbackRequest.objects.create(phone=DEMO_CALLER, community=community)
        requests = 1
    _demo_sessions()
    return acknowledged, requests


def _demo_sessions() -> None:
    """A finished session for each "j'ai vu" by USSD, and the stranger's call-back one."""
    if UssdSession.objects.filter(session_id__startswith=SESSION_PREFIX).exists():
        return
    length = timedelta(seconds=settings.USSD_SESSION_SECONDS)
    acks = AlertAcknowledgement.objects.filter(channel=AcknowledgementChannel.USSD).select_related(
        "alert", "user"
    )
    sessions = [
        UssdSession(
            session_id=f"{SESSION_PREFIX}{ack.pk}",
            phone=str(ack.user.mobile) if ack.user.mobile else DEMO_CALLER,
            community_id=ack.alert.community_id,
            created_at=ack.at - timedelta(seconds=30),
            expires_at=ack.at - timedelta(seconds=30) + length,
        )
        for ack in acks.order_by("pk")
    ]
    for request in CallbackRequest.objects.filter(phone=DEMO_CALLER):
        sessions.append(
            UssdSession(
                session_id=f"{SESSION_PREFIX}callback-{request.pk}",
                phone=DEMO_CALLER,
                created_at=request.created_at - timedelta(seconds=60),
                expires_at=request.created_at - timedelta(seconds=60) + length,
            )
        )
    UssdSession.objects.bulk_create(sessions)
