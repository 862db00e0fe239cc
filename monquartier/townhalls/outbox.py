"""How the outbox sends a town-hall announcement (outbox/sources.py): its e-mail, SMS text
and push, all signed by the town hall ("Mairie de …"). Registered from
TownhallsConfig.ready()."""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from monquartier.notifications.links import SIGNED_USER_FIELDS, absolute_link
from monquartier.outbox.models import Delivery
from monquartier.outbox.rendering import Rendered, RenderedOnce, personalise, render_email
from monquartier.outbox.sms.gsm7 import fit_sms
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email
from monquartier.townhalls.models import Announcement


def announcement_path(announcement: Announcement) -> str:
    """Members read announcements in their alert list."""
    return f"{reverse('alerts:list')}#annonce-{announcement.pk}"


def period_text(announcement: Announcement) -> str:
    """The period in words ("du … au …"), in the active language; empty without one."""
    starts, ends = announcement.starts_at, announcement.ends_at

    def when(moment) -> str:
        return formats.date_format(timezone.localtime(moment), "j F H:i")

    if starts and ends:
        return _("du %(start)s au %(end)s") % {"start": when(starts), "end": when(ends)}
    if starts:
        return _("à partir du %(start)s") % {"start": when(starts)}
    if ends:
        return _("jusqu'au %(end)s") % {"end": when(ends)}
    return ""


# Announcements are never edited: a rendering stays true.
_RENDERED = RenderedOnce(kept=64)


def _render(announcement: Announcement, language: str) -> Rendered:
    with translation.override(language):
        period = period_text(announcement)
    return render_email(
        "townhalls/email/announcement",
        {
            "announcement": announcement,
            "town_hall": announcement.town_hall,
            "period": period,
            "link": LINK,
        },
        language,
    )


def _rendered(announcement: Announcement, language: str) -> Rendered:
    return _RENDERED.get(
        (announcement.pk, announcement.created_at, language),
        lambda: _render(announcement, language),
    )


def announcement_email(delivery: Delivery) -> Email:
    announcement, user = delivery.announcement, delivery.user
    if announcement is None or user is None:
        raise ValueError(f"Delivery {delivery.pk} carries no announcement to a member")
    rendered = _rendered(announcement, user.language)
    link = absolute_link(user, announcement_path(announcement))
    return personalise(rendered, link, to=delivery.address, delivery_id=delivery.pk)


def announcement_sms_text(announcement: Announcement) -> str:
    """One GSM-7 segment where possible: "MAIRIE DE COCODY - Coupure d'eau: …"; only the
    text is trimmed, never who sends it."""
    with translation.override(settings.LANGUAGE_CODE):
        prefix = f"{announcement.town_hall.name.upper()} - {announcement.get_category_display()}: "
        details = [part for part in (announcement.place, period_text(announcement)) if part]
    body = announcement.text
    if details:
        body = f"{body} ({', '.join(details)})"
    return fit_sms(prefix, body, "")


def announcement_push_payload(announcement: Announcement, language: str) -> dict:
    with translation.override(language):
        title = _("%(town_hall)s · %(category)s") % {
            "town_hall": announcement.town_hall.name,
            "category": announcement.get_category_display(),
        }
    return {
        "title": title,
        "body": announcement.text,
        "url": announcement_path(announcement),
        "tag": f"announcement-{announcement.pk}",
    }


SOURCE = Source(
    field="announcement",
    queryset=lambda: Announcement.objects.select_related("town_hall"),
    email=announcement_email,
    sms=announcement_sms_text,
    push=announcement_push_payload,
    member_fields=("language", *SIGNED_USER_FIELDS),
)
