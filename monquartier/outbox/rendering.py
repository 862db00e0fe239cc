"""E-mails rendered from templates, once per language, and made personal at the end.

An alert's e-mail is rendered once per language and audience, with a placeholder where
each member's personal link goes: a community of 1,000 costs two renderings, not 1,000,
and the transport builds the message once too (transports._Skeleton).
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from monquartier.outbox.transports import Email


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict, language: str) -> Rendered:
    """`template` names three templates: `<template>_subject.txt`, `.txt` and `.html`
    (e.g. "alerts/email/alert")."""
    with translation.override(language):
        context = {**context, "LANGUAGE_CODE": language, "SITE_URL": settings.SITE_URL}
        subject = render_to_string(f"{template}_subject.txt", context)
        return Rendered(
            subject=" ".join(subject.split()),
            text=render_to_string(f"{template}.txt", context),
            html=render_to_string(f"{template}.html", context),
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


class RenderedOnce:
    """What never changes once sent (an alert, an announcement) rendered once per key and
    kept for the next batches, up to `kept` entries (a worker lives for days). Callers put
    the row's creation time in the key: a test database may give a rolled-back id again."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._entries: OrderedDict[tuple, Rendered] = OrderedDict()

    def get(self, key: tuple, render: Callable[[], Rendered]) -> Rendered:
        rendered = self._entries.get(key)
        if rendered is None:
            rendered = self._entries[key] = render()
            if len(self._entries) > self.kept:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return rendered
