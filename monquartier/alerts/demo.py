"""Demo alerts: a few per community, some hours or days old, read by about half of the
neighbours. They go through send_alert, so the worker of `make demo` sends their e-mails
and SMS to the dev outbox. Idempotent: a community that has alerts gets no more."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.alerts import safeguards
from monquartier.alerts.models import (
    Alert,
    AlertRead,
    AlertSource,
    AlertStatus,
    EscalationOutcome,
    EscalationStep,
)
from monquartier.alerts.services import send_alert
from monquartier.communities.models import Community, Membership

EXAMPLES = [
    (
        "suspicious",
        "Deux hommes sur une moto sans plaque tournent dans l'allée depuis vingt minutes. Ne sortez pas, observez.",
    ),
    (
        "utility",
        "Coupure d'eau annoncée demain de 8 h à 14 h dans tout le quartier : faites des réserves.",
    ),
    (
        "burglary",
        "Tentative de cambriolage cette nuit au lot 212 : le portail a été forcé. Vérifiez vos serrures.",
    ),
    (
        "theft",
        "Vol de sac à l'arraché vers 19 h près de la pharmacie ; l'auteur est parti à pied vers le boulevard.",
    ),
    (
        "fire",
        "Fumée épaisse derrière le marché, les pompiers sont prévenus. Éloignez-vous de la zone.",
    ),
    (
        "missing",
        "Petit garçon de 6 ans, t-shirt rouge, perdu près de l'école primaire. Prévenez sa maman si vous le voyez.",
    ),
    (
        "other",
        "Nid-de-poule profond à l'entrée du quartier après la pluie : roulez doucement la nuit.",
    ),
]


@transaction.atomic
def create_demo_alerts(per_community: int = 2) -> int:
    created = 0
    now = timezone.now()
    for index, community in enumerate(Community.objects.order_by("pk")):
        if Alert.objects.filter(community=community).exists():
            continue
        rng = random.Random(community.name)  # noqa: S311 # nosec B311 # demo data
        members = list(
            Membership.objects.active().filter(community=community).select_related("user")
        )
        for number in range(per_community):
            category, text = EXAMPLES[(index * per_community + number) % len(EXAMPLES)]
            sender = rng.choice(members).user
            alert = send_alert(sender, category=category, text=text)
            Alert.objects.filter(pk=alert.pk).update(
                created_at=now - timedelta(hours=rng.randint(2, 96))
            )
            readers = [
                member.user
                for member in members
                if member.user_id != sender.pk and rng.random() < 0.5
            ]
            AlertRead.objects.bulk_create(AlertRead(alert=alert, user=reader) for reader in readers)
            created += 1
    return created


HELD_EXAMPLE = "VOL le voleur c'est un malien, il court vers le carrefour, tous dehors"


@transaction.atomic
def create_demo_held_alert() -> int:
    """One alert received by SMS and held by the safeguards, in the first community, for
    its référents' page "Alertes à vérifier" and the staff's admin. Saved as the SMS
    intake would, without the notifications: the demo sends nothing. Idempotent."""
    community = Community.objects.order_by("pk").first()
    if (
        community is None
        or Alert.objects.filter(community=community).exclude(held_rules="").exists()
    ):
        return 0
    member = (
        Membership.objects.active()
        .filter(community=community, is_referent=False)
        .select_related("user")
        .first()
    )
    if member is None:
        return 0
    text = HELD_EXAMPLE.split(" ", 1)[1]
    findings = safeguards.check(text)
    Alert.objects.create(
        community=community,
        sender=member.user,
        category="theft",
        text=text,
        source=AlertSource.SMS,
        status=AlertStatus.HELD,
        held_rules=safeguards.rules_summary(findings),
        held_words=", ".join(finding.phrase for finding in findings)[:300],
    )
    return 1


@transaction.atomic
def create_demo_escalation() -> int:
    """One demo alert nobody said they saw, shown as escalated to the référents (its
    sender and référents see the notice on its page). Sends nothing; idempotent."""
    if Alert.objects.filter(escalation_level__gt=0).exists():
        return 0
    alert = (
        Alert.objects.visible()
        .filter(corrects__isnull=True, acknowledgements__isnull=True)
        .select_related("community")
        .order_by("created_at", "pk")
        .first()
    )
    if alert is None:
        return 0
    delay = timedelta(minutes=alert.community.acknowledgement_minutes)
    Alert.objects.filter(pk=alert.pk).update(
        escalation_level=1, escalated_at=alert.created_at + delay
    )
    # Who the page says was told: the community's other référents, each by SMS (or a
    # call, for those who chose calls), as the escalation records it.
    referents = (
        Membership.objects.referents()
        .filter(community=alert.community)
        .exclude(user=alert.sender_id)
        .select_related("user")
    )
    EscalationStep.objects.bulk_create(
        EscalationStep(
            alert=alert,
            level=1,
            user=membership.user,
            outcome=EscalationOutcome.CALLED
            if membership.user.alert_voice
            else EscalationOutcome.SMS,
            at=alert.created_at + delay,
        )
        for membership in referents
    )
    return 1
