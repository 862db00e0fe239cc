"""Turning outbox rows into messages: e-mails (subject, text, HTML), SMS texts, pushes.

An alert's e-mail is rendered once per language and audience, with a placeholder where
each member's personal link goes: a community of 1,000 costs two renderings, not 1,000.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from monquartier.notifications import events
from monquartier.notifications.links import absolute_link
from monquartier.notifications.sms.gsm7 import fit_sms
from monquartier.notifications.transports import Email

LINK = "https://lien.invalid/placeholder"  # survives templates and HTML escaping unchanged


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
    return Email(
        to=to,
        subject=rendered.subject,
        text=rendered.text.replace(LINK, link),
        html=rendered.html.replace(LINK, escape(link)),
        message_id=message_id(delivery_id),
    )


def alert_path(alert_id: int) -> str:
    return reverse("alerts:detail", args=[alert_id])


# --- alerts -------------------------------------------------------------------------------


class AlertRenderer:
    """Renders each alert once per (language, audience) for a sender's batch."""

    def __init__(self):
        self._cache: dict[tuple[int, str, str], Rendered] = {}

    def email(self, delivery) -> Email:
        alert = delivery.alert
        language = delivery.user.language if delivery.user_id else settings.LANGUAGE_CODE
        key = (alert.pk, language, delivery.audience)
        if key not in self._cache:
            self._cache[key] = render_email(
                "alert",
                {
                    "alert": alert,
                    "sender_name": alert.sender.full_name,
                    "audience": delivery.audience,
                    "link": LINK,
                },
                language,
            )
        if delivery.user_id:
            link = absolute_link(delivery.user, alert_path(alert.pk))
        else:  # a town-hall contact has no account: the e-mail carries the whole alert
            link = settings.SITE_URL + alert_path(alert.pk)
        return personalise(self._cache[key], link, to=delivery.address, delivery_id=delivery.pk)


def alert_sms_text(alert) -> str:
    """One GSM-7 segment where possible: the text is trimmed, never the sender or the link."""
    with translation.override(settings.LANGUAGE_CODE):
        prefix = _("ALERTE %(category)s - %(community)s: ") % {
            "category": alert.get_category_display(),
            "community": alert.community.name,
        }
    suffix = f" ({alert.sender.full_name}) {settings.SITE_URL}/a/{alert.pk}"
    return fit_sms(prefix, alert.text, suffix)


def alert_push_payload(alert, language: str) -> dict:
    with translation.override(language):
        title = _("Alerte · %(category)s") % {"category": alert.get_category_display()}
    return {
        "title": title,
        "body": f"{alert.community.name} : {alert.text} — {alert.sender.full_name}",
        "url": alert_path(alert.pk),
        "tag": f"alert-{alert.pk}",
    }


# --- other notifications and the digest ---------------------------------------------------


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
