"""The escalation of an alert nobody acknowledged (issue 15, item 5).

If nobody in the alert's community says "J'ai vu" (alerts/acknowledgements.py) within
the community's `acknowledgement_minutes` (10 by default), the référents are called —
those who chose voice calls and have not opened it yet — or sent an SMS; if still nobody
after as long again, the commune's town hall (its contacts and agents) and its police
contacts are sent an SMS, the numbers given by the audiences apps above register
(alerts/audiences.py: `escalation_numbers`).

A job every minute (alerts/jobs.py) looks at the recent alerts; the level reached is kept
on the alert (escalation_level, escalated_at), set under a row lock in the transaction that
queues the messages: a second run, or two workers at once, send nothing twice. The first
acknowledgement stops it. Hidden, held or rejected alerts and corrections are never
escalated. Every SMS is a counted TextMessage, capped per number and per community; the
calls go through the voice outbox and its daily caps.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monquartier.alerts import audiences
from monquartier.alerts.models import (
    Alert,
    AlertAcknowledgement,
    AlertRead,
    AlertStatus,
    EscalationOutcome,
    EscalationStep,
)
from monquartier.alerts.outbox import sms_reminder
from monquartier.communities import privacy
from monquartier.communities.models import ACKNOWLEDGEMENT_MINUTES_MAX, Membership
from monquartier.core.flood import flood_limit, recent
from monquartier.outbox.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    SMSOptOut,
    TextMessage,
    TextPurpose,
)
from monquartier.outbox.services import send_text, wake_senders

logger = logging.getLogger(__name__)

REFERENTS, AUTHORITIES = 1, 2
# The audience of the référents' escalation calls (Delivery.audience).
ESCALATION = "escalation"
NUMBER_CAP, COMMUNITY_CAP = "escalation_sms_number", "escalation_sms_community"


@dataclass(frozen=True)
class Told:
    """One référent told at level 1, by the name the viewer may see."""

    name: str
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class LevelShown:
    level: int
    minutes: int
    at: datetime
    referents: list[Told]
    # Level 2: the town hall's agents and the other numbers (town-hall contacts, police).
    agents_sent: int = 0
    others_sent: int = 0
    not_sent: int = 0


@dataclass(frozen=True)
class Shown:
    level: int
    minutes: int
    at: datetime
    levels: list[LevelShown]


def shown(alert: Alert, viewer) -> Shown | None:
    """What the sender, the référents, staff and the town hall's agents see on the
    alert's page: the level reached and, level by level, who was told, how and when (the
    référents by the name `viewer` may see; the town hall and police as counts). Two
    queries."""
    if not alert.escalation_level or alert.escalated_at is None:
        return None
    minutes = alert.community.acknowledgement_minutes
    steps = list(EscalationStep.objects.filter(alert=alert).select_related("user"))
    referents = [step.user for step in steps if step.level == REFERENTS and step.user]
    names = privacy.names_seen_by(viewer, referents) if referents else {}
    levels = []
    first = [step for step in steps if step.level == REFERENTS]
    if first:
        told = [
            Told(names[step.user.pk], step.outcome, str(EscalationOutcome(step.outcome).label))
            for step in first
            if step.user is not None
        ]
        levels.append(LevelShown(REFERENTS, minutes, first[0].at, told))
    second = [step for step in steps if step.level == AUTHORITIES]
    if second:
        sent = [step for step in second if step.outcome != EscalationOutcome.REFUSED]
        levels.append(
            LevelShown(
                AUTHORITIES,
                minutes * AUTHORITIES,
                second[0].at,
                [],
                agents_sent=sum(1 for step in sent if step.user_id),
                others_sent=sum(1 for step in sent if not step.user_id),
                not_sent=len(second) - len(sent),
            )
        )
    return Shown(
        alert.escalation_level, minutes * alert.escalation_level, alert.escalated_at, levels
    )


def level_due(alert: Alert, now: datetime) -> int:
    """The level the alert should have reached by `now` if nobody acknowledged it."""
    waited = now - alert.created_at
    delay = timedelta(minutes=alert.community.acknowledgement_minutes)
    if waited >= 2 * delay:
        return AUTHORITIES
    if waited >= delay:
        return REFERENTS
    return 0


def candidates(now: datetime):
    """The alerts that may need a step: sent, visible, not a correction, not acknowledged,
    not at the last level, young enough (twice the longest delay, and a margin for a
    scheduler that was down a while)."""
    since = now - timedelta(minutes=2 * ACKNOWLEDGEMENT_MINUTES_MAX + 30)
    acknowledged = AlertAcknowledgement.objects.filter(alert=OuterRef("pk"))
    return (
        Alert.objects.visible()
        .filter(
            corrects__isnull=True,
            fanned_out_at__isnull=False,
            created_at__gte=since,
            escalation_level__lt=AUTHORITIES,
        )
        .exclude(Exists(acknowledged))
        .select_related("community__commune")
        .order_by("created_at", "pk")
    )


def escalate_due(now: datetime | None = None) -> int:
    """Take every alert due one step further; returns the number of steps taken."""
    now = now or timezone.now()
    steps = 0
    for alert in candidates(now):
        if level_due(alert, now) > alert.escalation_level:
            steps += escalate(alert.pk, now)
    return steps


@transaction.atomic
def escalate(alert_id: int, now: datetime) -> int:
    """Take one alert to the level due, under its row lock. Returns the steps taken."""
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("community__commune")
        .get(pk=alert_id)
    )
    if (
        alert.is_hidden
        or alert.status != AlertStatus.SENT
        or alert.is_correction
        or AlertAcknowledgement.objects.filter(alert=alert).exists()
    ):
        return 0
    due = level_due(alert, now)
    steps = 0
    while alert.escalation_level < due:
        level = alert.escalation_level + 1
        if level == REFERENTS:
            tell_referents(alert, now)
        else:
            tell_authorities(alert, now)
        alert.escalation_level, alert.escalated_at = level, now
        steps += 1
    if steps:
        Alert.objects.filter(pk=alert.pk).update(
            escalation_level=alert.escalation_level, escalated_at=now
        )
        logger.info("Alert %s escalated to level %s", alert.pk, alert.escalation_level)
    return steps


def escalation_text(alert: Alert, level: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        minutes = alert.community.acknowledgement_minutes * level
        text = _(
            "MonQuartier: personne n'a dit VU à l'alerte %(category)s de %(community)s "
            "(%(commune)s) depuis %(minutes)s min."
        ) % {
            "category": alert.get_category_display(),
            "community": alert.community.name,
            "commune": alert.community.commune.name,
            "minutes": minutes,
        }
        return f"{text} {settings.SITE_URL}/a/{alert.pk} {sms_reminder()}"


def _send_capped(alert: Alert, to: str, text: str, account=None) -> bool:
    """One counted SMS, unless the number answered STOP (always honoured) or the number or
    the community reached its daily cap."""
    if SMSOptOut.objects.covers(to):
        return False
    sent = TextMessage.objects.filter(purpose=TextPurpose.ESCALATION)
    if (
        recent(sent.filter(to=to), NUMBER_CAP).count() >= flood_limit(NUMBER_CAP).count
        or recent(sent.filter(community=alert.community), COMMUNITY_CAP).count()
        >= flood_limit(COMMUNITY_CAP).count
    ):
        logger.warning("Escalation SMS of alert %s refused by the daily caps", alert.pk)
        return False
    send_text(to, text, purpose=TextPurpose.ESCALATION, account=account, community=alert.community)
    return True


def tell_referents(alert: Alert, now: datetime) -> None:
    """Call the référents who chose calls and have not opened the alert (their call comes
    now, or is made now), send the others an SMS. The sender is not told of their own
    alert."""
    referents = [
        membership.user
        for membership in Membership.objects.referents()
        .filter(community=alert.community, user__is_active=True)
        .exclude(user=alert.sender_id)
        .select_related("user")
    ]
    read = set(
        AlertRead.objects.filter(alert=alert, user__in=referents).values_list("user_id", flat=True)
    )
    text = escalation_text(alert, REFERENTS)
    called = False
    outcomes = []
    for user in referents:
        if not user.mobile or not user.mobile_verified:
            outcomes.append((user, EscalationOutcome.NO_NUMBER))
            continue
        if user.alert_voice and user.pk not in read and _call(alert, user, now):
            called = True
            outcomes.append((user, EscalationOutcome.CALLED))
            continue
        sent = _send_capped(alert, str(user.mobile), text, account=user)
        outcomes.append((user, EscalationOutcome.SMS if sent else EscalationOutcome.REFUSED))
    _record(alert, REFERENTS, outcomes, now)
    if called:
        wake_senders([Channel.VOICE])


def _call(alert: Alert, user, now: datetime) -> bool:
    """The référent's call of this alert, made now: the one waiting for the SMS delay
    brought forward, a new one, or the one they answered (or missed) without pressing 2
    made again as a new attempt (each attempt is its own counted VoiceCall). False when
    a call cannot be made (refused by the daily caps, or none possible): the SMS then."""
    existing = Delivery.objects.filter(alert=alert, user=user, channel=Channel.VOICE).first()
    if existing is None:
        Delivery.objects.create(
            alert=alert,
            user=user,
            channel=Channel.VOICE,
            address=str(user.mobile),
            audience=ESCALATION,
            due_at=now,
        )
        return True
    if existing.status == DeliveryStatus.QUEUED:
        Delivery.objects.filter(pk=existing.pk).update(due_at=min(existing.due_at, now))
        return True
    if existing.status in (DeliveryStatus.SENDING, DeliveryStatus.SENT):
        return True  # the phone is ringing, or the call's end is not known yet
    again = existing.status == DeliveryStatus.DELIVERED or (
        existing.status == DeliveryStatus.FAILED and existing.last_error.startswith("unanswered")
    )
    if not again:
        return False
    Delivery.objects.filter(pk=existing.pk).update(
        status=DeliveryStatus.QUEUED, due_at=now, claimed_at=None, last_error="escalation"
    )
    return True


def tell_authorities(alert: Alert, now: datetime) -> None:
    """An SMS to each number the audiences give (town hall's contacts and agents, police)."""
    text = escalation_text(alert, AUTHORITIES)
    seen: set[str] = set()
    outcomes = []
    for number, account in audiences.escalation_numbers(alert):
        if number and number not in seen:
            seen.add(number)
            sent = _send_capped(alert, str(number), text, account=account)
            outcomes.append((account, EscalationOutcome.SMS if sent else EscalationOutcome.REFUSED))
    _record(alert, AUTHORITIES, outcomes, now)


def _record(alert: Alert, level: int, outcomes: list, now: datetime) -> None:
    """Who the level told and how (EscalationStep), in one query."""
    EscalationStep.objects.bulk_create(
        EscalationStep(alert=alert, level=level, user=user, outcome=outcome, at=now)
        for user, outcome in outcomes
    )
