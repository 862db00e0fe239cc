"""Demo voice alerts: two members of Riviera 2 chose calls, and the community's latest
alert shows what their calls did (one heard and acknowledged with 2, one unanswered then
answered). Written as records only: nothing rings, nothing is synthesised. Idempotent."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import User
from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities.models import Community, MembershipStatus
from monquartier.outbox.models import CallOutcome, Channel, Delivery, DeliveryStatus, VoiceCall

COMMUNITY = "Riviera 2 – Les Manguiers"


def _cost(seconds: int) -> Decimal:
    return Decimal(-(-seconds // 60) * settings.VOICE_PRICE_PER_MINUTE)


@transaction.atomic
def create_demo_voice_calls() -> int:
    if VoiceCall.objects.filter(session_id__startswith="demo-").exists():
        return 0
    community = Community.objects.filter(name=COMMUNITY).first()
    alert = (
        Alert.objects.filter(community=community, corrects__isnull=True)
        .order_by("-created_at")
        .first()
        if community
        else None
    )
    if alert is None:
        return 0
    members = list(
        User.objects.filter(
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__is_referent=False,
            mobile_verified=True,
        )
        .exclude(pk=alert.sender_id)
        .exclude(mobile="")
        .exclude(email=email_for("Yao", "Kouassi"))  # the demo's log-in keeps plain SMS
        .order_by("pk")[:2]
    )
    if len(members) < 2:
        return 0
    User.objects.filter(pk__in=[m.pk for m in members]).update(alert_voice=True)
    heard, late = members
    start = alert.created_at + timedelta(seconds=settings.ALERT_SMS_DELAY_SECONDS)
    written = 0
    for member, attempts in ((heard, [(38, "2")]), (late, [(0, ""), (51, "1")])):
        delivery, _created = Delivery.objects.get_or_create(
            alert=alert,
            user=member,
            channel=Channel.VOICE,
            defaults={
                "address": str(member.mobile),
                "audience": "community",
                "status": DeliveryStatus.DELIVERED,
                "attempts": len(attempts),
                "due_at": start,
                "sent_at": start,
                "delivered_at": start + timedelta(seconds=40),
                "provider_id": f"demo-{alert.pk}-{member.pk}-{len(attempts) - 1}",
            },
        )
        for number, (seconds, keys) in enumerate(attempts):
            at = start + timedelta(seconds=settings.VOICE_RETRY_DELAY_SECONDS * number)
            VoiceCall.objects.create(
                delivery=delivery,
                session_id=f"demo-{alert.pk}-{member.pk}-{number}",
                to=str(member.mobile),
                account=member,
                community=community,
                outcome=CallOutcome.ANSWERED if seconds else CallOutcome.UNANSWERED,
                keys=keys,
                answered_at=at + timedelta(seconds=8) if seconds else None,
                acknowledged_at=at + timedelta(seconds=30) if keys == "2" else None,
                duration_seconds=seconds,
                cost=_cost(seconds),
                hangup_cause="NORMAL_CLEARING" if seconds else "NO_ANSWER",
                created_at=at,
                ended_at=at + timedelta(seconds=seconds + 20),
            )
            written += 1
    AlertRead.objects.get_or_create(alert=alert, user=heard)
    return written
