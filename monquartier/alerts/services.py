"""Sending, reading and hiding alerts. The website and SMS both call send_alert."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Count, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.alerts import holds, safeguards
from monquartier.alerts import pagecache as alerts_pagecache
from monquartier.alerts.models import Alert, AlertCategory, AlertRead, AlertSource, AlertStatus
from monquartier.alerts.tasks import fan_out_alert
from monquartier.audit import log as audit_log
from monquartier.communities.models import Membership
from monquartier.core import flood
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus

TEXT_MIN, TEXT_MAX = 3, 500
_READ = "read"  # not a channel: the reads' row in progress()
# Where the sender cannot rephrase on a form, a flagged alert is held for a person to
# decide (alerts/holds.py); elsewhere it is refused with the explanation.
HOLDING_SOURCES = frozenset({AlertSource.SMS, AlertSource.USSD})


def clean_text(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) < TEXT_MIN:
        raise ValidationError(_("Décrivez ce qui se passe en quelques mots."), code="text_short")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            _("Une alerte fait %(max)s caractères au plus : allez à l'essentiel.")
            % {"max": TEXT_MAX},
            code="text_long",
        )
    return text


def check_flood(user, community) -> None:
    """The same guard on every channel (web, app, SMS): per sender, and per community
    because each alert may cost one SMS per member."""
    flood.check_flood(
        Alert.objects.filter(sender=user),
        "alert",
        _(
            "Vous avez déjà envoyé %(count)s alertes en peu de temps : attendez un peu avant la suivante."
        ),
    )
    flood.check_flood(
        Alert.objects.filter(community=community),
        "community_alert",
        _(
            "Votre communauté a déjà reçu %(count)s alertes dans l'heure : attendez un peu. En cas d'urgence, appelez le 110, le 111 ou le 170."
        ),
    )


@transaction.atomic
def send_alert(
    sender,
    *,
    category: str,
    text: str,
    latitude: float | None = None,
    longitude: float | None = None,
    corrects: Alert | None = None,
    source: str = AlertSource.WEB,
) -> Alert:
    """Save the alert and, in the same transaction, the task that fans it out."""
    membership = Membership.objects.active_for(sender)
    if membership is None:
        raise PermissionDenied(_("Seuls les membres d'une communauté peuvent lancer une alerte."))
    if category not in AlertCategory.values:
        raise ValidationError(_("Choisissez le type d'alerte."), code="category")
    try:
        text = clean_text(text)
    except ValidationError as error:
        raise ValidationError({"text": error}) from None
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Le lieu de l'alerte est incomplet."), code="place")
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise ValidationError(_("Le lieu de l'alerte est hors de la carte."), code="place")
    if corrects is not None and (
        corrects.community_id != membership.community_id or corrects.sender_id != sender.pk
    ):
        raise PermissionDenied(_("On ne corrige que ses propres alertes."))
    try:
        check_flood(sender, membership.community)
    except ValidationError as error:
        raise ValidationError({"text": error}) from None  # shown where the alert is typed
    findings = safeguards.check(text, sender_mobile=str(sender.mobile or ""))
    if findings and source not in HOLDING_SOURCES:
        refusal = _("Votre alerte n'est pas partie : reformulez-la, puis renvoyez-la. %(why)s")
        raise ValidationError(
            {
                "text": ValidationError(
                    refusal % {"why": safeguards.explain(findings)}, code="safeguard"
                )
            }
        )
    alert = Alert.objects.create(
        community=membership.community,
        sender=sender,
        category=category,
        text=text,
        latitude=latitude,
        longitude=longitude,
        corrects=corrects,
        source=source,
        status=AlertStatus.HELD if findings else AlertStatus.SENT,
        held_rules=safeguards.rules_summary(findings),
        held_words=", ".join(finding.phrase for finding in findings)[:300],
    )
    if findings:
        holds.on_hold(alert)
    else:
        fan_out_alert.enqueue(alert_id=alert.pk)
    return alert


def hold_or_send(sender, *, category: str, text: str, source: str = AlertSource.SMS) -> Alert:
    """An alert from a phone without a form (SMS, USSD): sent, or held when the safeguards
    flag its text (alert.is_held; holds.held_message(alert) says so to the sender). The
    same checks and errors as send_alert otherwise."""
    if source not in HOLDING_SOURCES:
        raise ValueError(f"{source!r} is not a channel whose alerts are held")
    return send_alert(sender, category=category, text=text, source=source)


def mark_read(alert: Alert, user) -> bool:
    """The member opened the alert: their SMS and voice call still waiting for the delay
    are cancelled.
    Returns True the first time.

    Every visit of the alert's page calls it: a visit after the first costs one read-only
    query. No transaction: the read is what matters (the sender skips the SMS of a member
    who has read, alerts/outbox.py); cancelling the row at once only makes the
    alert's progress exact without waiting for the sender."""
    if AlertRead.objects.filter(alert=alert, user=user).exists():
        return False
    AlertRead.objects.bulk_create([AlertRead(alert=alert, user=user)], ignore_conflicts=True)
    alerts_pagecache.read_by(user.pk, alert)
    Delivery.objects.filter(
        alert=alert,
        user=user,
        channel__in=[Channel.SMS, Channel.VOICE],
        status=DeliveryStatus.QUEUED,
    ).update(status=DeliveryStatus.CANCELLED)
    return True


@transaction.atomic
def hide_alert(staff, alert: Alert, reason: str) -> Alert:
    if not staff.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier peut masquer une alerte."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez pourquoi l'alerte est masquée."), code="reason")
    Alert.objects.filter(pk=alert.pk, hidden_at__isnull=True).update(
        hidden_at=timezone.now(), hidden_by=staff, hidden_reason=reason[:300]
    )
    # What has not left yet will not leave.
    Delivery.objects.filter(alert=alert, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.CANCELLED
    )
    alert.refresh_from_db()
    alerts_pagecache.alert_changed(alert)
    audit_log.record(staff, "alert.hide", member=alert.sender, target=alert, reason=reason)
    return alert


def mark_seen_by_town_hall(alert: Alert, user) -> bool:
    """The town hall acknowledged the alert ("vu par la mairie"): the first agent and
    time stay; a second click, or a colleague's, changes nothing. Who may acknowledge is
    the caller's to check (the town hall's console). Returns True the first time."""
    now = timezone.now()
    updated = Alert.objects.filter(pk=alert.pk, town_hall_seen_at__isnull=True).update(
        town_hall_seen_at=now, town_hall_seen_by=user
    )
    alert.refresh_from_db(fields=["town_hall_seen_at", "town_hall_seen_by"])
    if updated:
        alerts_pagecache.alert_changed(alert)
    return bool(updated)


def progress(alert: Alert) -> dict:
    """Deliveries per channel: how many reached (handed over or confirmed), waiting, failed;
    and whether all is settled. An alert not yet fanned out has no rows: its recipients
    are all still to come, so it is not settled (the page keeps refreshing)."""
    # One query: the deliveries by channel and status, and the reads under a channel of
    # their own.
    deliveries = (
        Delivery.objects.filter(alert=alert)
        .values_list("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    reads = (
        AlertRead.objects.filter(alert=alert)
        .annotate(
            channel=Value(_READ, output_field=CharField()),
            status=Value(_READ, output_field=CharField()),
        )
        .values_list("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_channel = {
        channel: {"reached": 0, "waiting": 0, "failed": 0, "cancelled": 0}
        for channel in Channel.values
    }
    buckets = {
        DeliveryStatus.SENT: "reached",
        DeliveryStatus.DELIVERED: "reached",
        DeliveryStatus.QUEUED: "waiting",
        DeliveryStatus.SENDING: "waiting",
        DeliveryStatus.FAILED: "failed",
        DeliveryStatus.CANCELLED: "cancelled",
        DeliveryStatus.SKIPPED: "cancelled",
    }
    read = 0
    for channel, status, count in deliveries.union(reads, all=True):
        if channel == _READ:
            read = count
        else:
            by_channel[channel][buckets[status]] += count
    fanned_out = alert.fanned_out_at is not None
    settled = fanned_out and not any(by_channel[channel]["waiting"] for channel in Channel.values)
    return {**by_channel, "read": read, "fanned_out": fanned_out, "settled": settled}
