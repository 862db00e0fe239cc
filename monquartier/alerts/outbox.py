"""How the outbox sends an alert (outbox/sources.py): its e-mail, SMS text and push, and
which rows must not go any more. Registered from AlertsConfig.ready()."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.alerts import audiences, voice
from monquartier.alerts.fanout import COMMUNITY, TWINNED
from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities.privacy import alert_sender_name
from monquartier.core.paths import path_prefix
from monquartier.notifications.links import SIGNED_USER_FIELDS, absolute_link
from monquartier.outbox.models import Channel, Delivery
from monquartier.outbox.rendering import Rendered, RenderedOnce, personalise, render_email
from monquartier.outbox.sms.gsm7 import SINGLE_SEGMENT, fit_sms, gsm7_length
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email


def alert_path(alert_id: int) -> str:
    return f"{path_prefix('alerts:detail')}{int(alert_id)}/"


# Alerts are never edited: what one renders to stays true (its e-mails go out in many
# batches).
_RENDERED_ALERTS = RenderedOnce(kept=256)


def _rendered_alert(alert: Alert, language: str, audience: str) -> Rendered:
    # A correction tells whether its original was withdrawn: staff may hide it meanwhile.
    withdrawn = alert.corrects is not None and alert.corrects.is_hidden
    return _RENDERED_ALERTS.get(
        (alert.pk, alert.created_at, language, audience, withdrawn),
        lambda: render_email(
            "alerts/email/alert",
            {
                "alert": alert,
                "sender_name": alert_sender_name(alert.sender),
                "audience": audience,
                "original_withdrawn": withdrawn,
                "link": LINK,
            },
            language,
        ),
    )


def alert_email(delivery: Delivery) -> Email:
    alert = delivery.alert
    if alert is None:
        raise ValueError(f"Delivery {delivery.pk} carries no alert")
    language = delivery.user.language if delivery.user is not None else settings.LANGUAGE_CODE
    rendered = _rendered_alert(alert, language, delivery.audience)
    own_page = audiences.alert_path_for(delivery.audience, alert.pk)
    if own_page is not None and delivery.user is not None:
        # An agent opens it in the console, after a log-in with the second factor: no
        # link that logs in.
        link = settings.SITE_URL + own_page
    elif delivery.user is not None:
        link = absolute_link(delivery.user, alert_path(alert.pk))
    else:  # a town-hall contact has no account: the e-mail carries the whole alert
        link = settings.SITE_URL + alert_path(alert.pk)
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def alert_sms_text(alert: Alert, audience: str = COMMUNITY) -> str:
    """One GSM-7 segment where possible: the text is trimmed, never the sender or the link.
    A correction says CORRECTION where an alert says ALERTE. When the whole text fits one
    segment with it, a member's SMS (of the community or a twinned one) ends with how to
    say "j'ai vu" (VU in reply, as the call's key 2); never at the cost of the alert's own
    words, nor of a second segment. Town-hall agents and contacts cannot answer VU (they
    are no members): their SMS never says it."""
    with translation.override(settings.LANGUAGE_CODE):
        heading = (
            _("CORRECTION %(category)s - %(community)s: ")
            if alert.is_correction
            else _("ALERTE %(category)s - %(community)s: ")
        )
        prefix = heading % {
            "category": alert.get_category_display(),
            "community": alert.community.name,
        }
        reminder = sms_reminder()
        how_to_acknowledge = sms_acknowledge_hint()
    # The reminder is never cut either: the text is what gives way (the link has it all).
    suffix = f" ({alert_sender_name(alert.sender)}) {settings.SITE_URL}/a/{alert.pk} {reminder}"
    with_hint = f"{suffix} {how_to_acknowledge}"
    members = audience in (COMMUNITY, TWINNED)
    if members and gsm7_length(prefix + alert.text + with_hint) <= SINGLE_SEGMENT:
        return fit_sms(prefix, alert.text, with_hint)
    return fit_sms(prefix, alert.text, suffix)


def sms_acknowledge_hint() -> str:
    # What the member answers to tell the sender and référents they saw the alert
    # (alerts/sms_intake.py, VU); added only where the SMS has room for it.
    return _("Répondez VU")


def sms_reminder() -> str:
    # Short: every character here is one less for the alert's text in its one segment.
    return _("N'intervenez pas: 110/111/170")


def push_reminder() -> str:
    return _("N'intervenez pas vous-même : appelez le 110, le 111 ou le 170.")


def alert_push_payload(alert: Alert, language: str) -> dict:
    with translation.override(language):
        title = (
            _("Correction · %(category)s") if alert.is_correction else _("Alerte · %(category)s")
        ) % {"category": alert.get_category_display()}
        reminder = push_reminder()
    return {
        "title": title,
        "body": f"{alert.community.name} : {alert.text} — {alert_sender_name(alert.sender)}\n{reminder}",
        "url": alert_path(alert.pk),
        "tag": f"alert-{alert.pk}",
    }


def obsolete(deliveries: list[Delivery]) -> set[int]:
    """Rows that must not go any more: their alert was hidden, or (SMS, voice call)
    already read."""
    obsolete = {
        delivery.pk
        for delivery in deliveries
        if delivery.alert is not None and delivery.alert.is_hidden
    }
    sms = [
        delivery
        for delivery in deliveries
        if delivery.channel in (Channel.SMS, Channel.VOICE)
        and delivery.alert_id
        and delivery.user_id
    ]
    if sms:
        read = set(
            AlertRead.objects.filter(
                alert_id__in={d.alert_id for d in sms}, user_id__in={d.user_id for d in sms}
            ).values_list("alert_id", "user_id")
        )
        obsolete |= {
            delivery.pk for delivery in sms if (delivery.alert_id, delivery.user_id) in read
        }
    return obsolete


def _batch_queryset():
    # Phone numbers are left out: parsing them costs, and nothing here shows them.
    return Alert.objects.select_related("community__commune", "sender", "corrects").defer(
        "sender__mobile", "sender__landline"
    )


SOURCE = Source(
    field="alert",
    queryset=_batch_queryset,
    email=alert_email,
    sms=alert_sms_text,
    sms_by_audience=True,
    push=alert_push_payload,
    obsolete=obsolete,
    voice=voice.voice_script,
    acknowledge=voice.acknowledge,
    member_fields=("language", *SIGNED_USER_FIELDS),
    # What staff may change of an alert once sent: hiding it, or hiding its original
    # (the e-mail of a correction says so). Held alerts are not fanned out yet.
    changing=("hidden_at", "corrects__hidden_at"),
)
