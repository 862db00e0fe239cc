"""Alerts held by the safeguards (alerts/safeguards.py) until a person decides.

On the web and in the app the sender is asked to rephrase (services.send_alert refuses
with the explanation). By SMS and USSD there is no form to correct: the alert is saved as
held, fans out to no one, and the référents of its community and staff are told at once.
A référent of the community (never the sender) or staff then:
- approve it: it is fanned out as any other alert and the sender is told by SMS;
- reject it: nobody receives it, the sender is told by SMS why, in plain words.

A held alert never goes out without a person's decision: a hold is a safeguard precisely
because it cannot be passed by waiting. So an alert held for ALERT_HOLD_REMIND_MINUTES
(default 5) brings staff a second notice; one still held after ALERT_HOLD_EXPIRE_MINUTES
(default 120) is stale news for an alert: it is closed as rejected ("expired") and the
sender is told to call the police if the danger is still there (the every-minute job
below).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.alerts import safeguards
from monquartier.alerts.models import Alert, AlertStatus, SafeguardRule
from monquartier.alerts.tasks import fan_out_alert
from monquartier.audit import log as audit_log
from monquartier.communities.models import Membership
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox import scheduler
from monquartier.outbox.models import TextPurpose
from monquartier.outbox.scheduler import Job
from monquartier.outbox.services import send_text
from monquartier.outbox.sms.gsm7 import fit_sms

EXPIRED = "expired"
REASON_MAX = 300

# The SMS to the sender, plain GSM-7, one segment each (tests check): why, in a few
# words, per rule.
SMS_REASONS = {
    SafeguardRule.GROUP: "pas d'origine, d'ethnie ni de religion",
    SafeguardRule.VIOLENCE: "pas d'appel a la violence",
    SafeguardRule.GATHER: "pas d'appel a se rassembler",
    safeguards.PHONE: "pas de numero de telephone",
}
SMS_HELD = (
    "MonQuartier: alerte en attente. Un referent la relit avant l'envoi ({reason}). "
    "N'intervenez pas. Urgence: 110, 111, 170."
)
SMS_APPROVED = ("MonQuartier: votre alerte est relue et envoyee a ", ". Urgence: 110, 111, 170.")
SMS_REJECTED = (
    "MonQuartier: alerte non envoyee ({reason}). Decrivez les faits: lieu, vetements, "
    "vehicule. Urgence: 110, 111, 170."
)
SMS_EXPIRED = (
    "MonQuartier: votre alerte n'a pas pu etre relue a temps et n'est pas partie. "
    "Si le danger est la, appelez le 110, 111 ou 170."
)


def _sms_reason(alert: Alert) -> str:
    rules = [rule for rule in alert.held_rules.split(",") if rule in SMS_REASONS]
    return ", ".join(SMS_REASONS[rule] for rule in rules[:2]) or "texte a revoir"


def held_message(alert: Alert) -> str:
    """What the sender of a held alert is told (the SMS intake's reply; USSD's screen)."""
    return SMS_HELD.format(reason=_sms_reason(alert))


def queue_url() -> str:
    return reverse("alerts:held")


def deciders(alert: Alert) -> list:
    """Who is told of a held alert: the référents of its community, except its sender,
    and staff."""
    referent_ids = Membership.objects.referents().filter(community_id=alert.community_id)
    return list(
        User.objects.filter(is_active=True)
        .filter(pk__in=referent_ids.values("user_id"))
        .exclude(pk=alert.sender_id)
        .union(User.objects.filter(is_active=True, is_staff=True))
    )


def _notify(recipients, alert: Alert, event: str) -> None:
    notify(
        recipients,
        kind=NotificationKind.ALERT,
        event=event,
        community=alert.community,
        url=queue_url(),
        category=str(alert.get_category_display()),
        why=_rules_label(alert),
    )


def _rules_label(alert: Alert) -> str:
    labels = {rule: str(label) for rule, label in SafeguardRule.choices}
    labels[safeguards.PHONE] = _("numéro de téléphone d'un tiers")
    return ", ".join(labels[rule] for rule in alert.held_rules.split(",") if rule in labels)


def explain_hold(alert: Alert, lists: safeguards.Matcher | None = None) -> str:
    """Why the alert is held, for whoever decides: the lists as they are now."""
    findings = safeguards.check(
        alert.text, sender_mobile=str(alert.sender.mobile or ""), lists=lists
    )
    return safeguards.explain(findings) or _(
        "Le texte ne pose plus de problème selon les listes actuelles."
    )


def on_hold(alert: Alert) -> None:
    """A held alert was just saved (services.send_alert): the référents and staff hear
    of it at once, in the same transaction."""
    _notify(deciders(alert), alert, "alert_held")


def may_decide(user, alert: Alert) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return (
        alert.sender_id != user.pk
        and Membership.objects.referents()
        .filter(community_id=alert.community_id, user=user)
        .exists()
    )


def _lock_held(decider, alert: Alert) -> Alert:
    if not may_decide(decider, alert):
        raise PermissionDenied(
            _("Seuls les référents de la communauté et l'équipe décident d'une alerte retenue.")
        )
    locked = (
        Alert.objects.select_for_update().select_related("community", "sender").get(pk=alert.pk)
    )
    if locked.status != AlertStatus.HELD:
        raise ValidationError(
            _("Cette alerte a déjà été traitée : %(status)s.")
            % {"status": locked.get_status_display()},
            code="decided",
        )
    return locked


def _tell_sender(alert: Alert, text: str) -> None:
    mobile = str(alert.sender.mobile or "")
    if mobile and alert.sender.is_active:
        send_text(
            mobile, text, purpose=TextPurpose.REPLY, account=alert.sender, community=alert.community
        )


@transaction.atomic
def approve(decider, alert: Alert) -> Alert:
    """The alert may go: fanned out as any other, the sender told by SMS."""
    alert = _lock_held(decider, alert)
    alert.status = AlertStatus.SENT
    alert.decided_at = timezone.now()
    alert.decided_by = decider
    alert.save(update_fields=["status", "decided_at", "decided_by"])
    fan_out_alert.enqueue(alert_id=alert.pk)
    _tell_sender(alert, fit_sms(SMS_APPROVED[0], alert.community.name, SMS_APPROVED[1]))
    if decider.is_staff:
        audit_log.record(
            decider, "alert.approve_held", member=alert.sender, target=alert,
            details={"rules": alert.held_rules},
        )  # fmt: skip
    return alert


@transaction.atomic
def reject(decider, alert: Alert, reason: str = "") -> Alert:
    """The alert will not go: nobody receives it, the sender is told why by SMS."""
    alert = _lock_held(decider, alert)
    reason = " ".join((reason or "").split())[:REASON_MAX]
    alert.status = AlertStatus.REJECTED
    alert.decided_at = timezone.now()
    alert.decided_by = decider
    alert.decision_reason = reason
    alert.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    _tell_sender(alert, SMS_REJECTED.format(reason=_sms_reason(alert)))
    if decider.is_staff:
        audit_log.record(
            decider, "alert.reject_held", member=alert.sender, target=alert, reason=reason,
            details={"rules": alert.held_rules},
        )  # fmt: skip
    return alert


def remind_and_expire(period: str) -> str:
    """Every minute: staff hear again of an alert held too long; one held for hours is
    closed (see the module's docstring)."""
    now = timezone.now()
    reminded = expired = 0
    late = Alert.objects.held().filter(
        hold_reminded_at__isnull=True,
        created_at__lte=now - timedelta(minutes=settings.ALERT_HOLD_REMIND_MINUTES),
    )
    staff = list(User.objects.filter(is_active=True, is_staff=True))
    for alert in late.select_related("community")[:100]:
        with transaction.atomic():
            # Another run may have reminded it meanwhile: the update says who did.
            if Alert.objects.filter(pk=alert.pk, hold_reminded_at__isnull=True).update(
                hold_reminded_at=now
            ):
                _notify(staff, alert, "alert_held_late")
                reminded += 1
    stale = Alert.objects.held().filter(
        created_at__lte=now - timedelta(minutes=settings.ALERT_HOLD_EXPIRE_MINUTES)
    )
    for alert in stale.select_related("community", "sender")[:100]:
        with transaction.atomic():
            if Alert.objects.filter(pk=alert.pk, status=AlertStatus.HELD).update(
                status=AlertStatus.REJECTED, decided_at=now, decision_reason=EXPIRED
            ):
                _tell_sender(alert, SMS_EXPIRED)
                expired += 1
    return f"reminded {reminded}, expired {expired} held alerts"


def register() -> None:
    scheduler.register(Job("held_alerts", remind_and_expire, every_minute=True))
