"""Turning outbox rows into messages: e-mails (subject, text, HTML), SMS texts, pushes.

An alert's e-mail is rendered once per language and audience, with a placeholder where
each member's personal link goes: a community of 1,000 costs two renderings, not 1,000,
and the transport builds the message once too (transports._Skeleton).
"""

from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.communities.privacy import alert_sender_name
from monquartier.core.paths import path_prefix
from monquartier.notifications import events
from monquartier.notifications.links import absolute_link
from monquartier.notifications.sms.gsm7 import fit_sms
from monquartier.notifications.transports import LINK, Email


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict, language: str) -> Rendered:
    with translation.override(language):
        context = {**context, "LANGUAGE_CODE": language, "SITE_URL": settings.SITE_URL}
        subject = render_to_string(f"notifications/email/{template}_subject.txt", context)
        return Rendered(
            subject=" ".join(subject.split()),
            text=render_to_string(f"notifications/email/{template}.txt", context),
            html=render_to_string(f"notifications/email/{template}.html", context),
        )


def message_id(delivery_id: int) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "monquartier.ci"
    return f"<delivery-{delivery_id}@{domain}>"


def personalise(rendered: Rendered, link: str, *, to: str, delivery_id: int) -> Email:
    """The member's e-mail: the shared rendering, and the link the transport puts in."""
    return Email(
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=message_id(delivery_id),
        link=link,
    )


def alert_path(alert_id: int) -> str:
    return f"{path_prefix('alerts:detail')}{int(alert_id)}/"


# Alerts are never edited: what one renders to stays true. The cache outlives a batch
# (an alert's e-mails go out in many batches) and is bounded (a worker lives for days).
# (The key has the creation time too: a test database may give a rolled-back id again.)
_RENDERED_ALERTS: OrderedDict[tuple, Rendered] = OrderedDict()
RENDERED_ALERTS_KEPT = 256


def _rendered_alert(alert, language: str, audience: str) -> Rendered:
    # A correction tells whether its original was withdrawn: staff may hide it meanwhile.
    withdrawn = alert.is_correction and alert.corrects.is_hidden
    key = (alert.pk, alert.created_at, language, audience, withdrawn)
    rendered = _RENDERED_ALERTS.get(key)
    if rendered is None:
        rendered = render_email(
            "alert",
            {
                "alert": alert,
                "sender_name": alert_sender_name(alert.sender),
                "audience": audience,
                "original_withdrawn": withdrawn,
                "link": LINK,
            },
            language,
        )
        _RENDERED_ALERTS[key] = rendered
        if len(_RENDERED_ALERTS) > RENDERED_ALERTS_KEPT:
            _RENDERED_ALERTS.popitem(last=False)
    else:
        _RENDERED_ALERTS.move_to_end(key)
    return rendered


def alert_email(delivery) -> Email:
    alert = delivery.alert
    language = delivery.user.language if delivery.user_id else settings.LANGUAGE_CODE
    rendered = _rendered_alert(alert, language, delivery.audience)
    if delivery.user_id:
        link = absolute_link(delivery.user, alert_path(alert.pk))
    else:  # a town-hall contact has no account: the e-mail carries the whole alert
        link = settings.SITE_URL + alert_path(alert.pk)
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def alert_sms_text(alert) -> str:
    """One GSM-7 segment where possible: the text is trimmed, never the sender or the link.
    A correction says CORRECTION where an alert says ALERTE."""
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
    suffix = f" ({alert_sender_name(alert.sender)}) {settings.SITE_URL}/a/{alert.pk}"
    return fit_sms(prefix, alert.text, suffix)


def alert_push_payload(alert, language: str) -> dict:
    with translation.override(language):
        title = (
            _("Correction · %(category)s") if alert.is_correction else _("Alerte · %(category)s")
        ) % {"category": alert.get_category_display()}
    return {
        "title": title,
        "body": f"{alert.community.name} : {alert.text} — {alert_sender_name(alert.sender)}",
        "url": alert_path(alert.pk),
        "tag": f"alert-{alert.pk}",
    }


def notification_email(delivery) -> Email:
    notification = delivery.notification
    language = delivery.user.language
    with translation.override(language):
        subject, line = events.describe(notification)
    rendered = render_email(
        "notification",
        {"subject": subject, "line": line, "link": LINK, "user": delivery.user},
        language,
    )
    link = absolute_link(delivery.user, notification.url or "/")
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def notification_push_payload(notification, language: str) -> dict:
    with translation.override(language):
        subject, line = events.describe(notification)
    return {
        "title": subject,
        "body": line,
        "url": notification.url or "/",
        "tag": f"notification-{notification.pk}",
    }


def digest_email(delivery) -> Email:
    digest = delivery.digest
    language = delivery.user.language
    notifications = list(
        digest.notifications.select_related("community").order_by("kind", "created_at")
    )
    with translation.override(language):
        items = [
            (*events.describe(notification), absolute_link(delivery.user, notification.url or "/"))
            for notification in notifications
        ]
    # Each item carries its own link: the digest is rendered for this member only.
    rendered = render_email(
        "digest", {"user": delivery.user, "day": digest.day, "items": items, "link": LINK}, language
    )
    return personalise(
        rendered, absolute_link(delivery.user, "/"), to=delivery.address, delivery_id=delivery.pk
    )
