from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from monquartier.helpcentre import markup

register = template.Library()


@register.simple_tag
def help_link(topic_slug: str, question_slug: str = "", label: str = "") -> str:
    """{% help_link "alertes" "lancer-une-alerte" %}: a small « ? » beside what it explains,
    to that answer of the help centre (to the topic without a question).

    No database query: the pages it sits on keep their query counts; a test checks that
    every link in the templates leads to a published answer. `label`, what the answer is
    about, completes what screen readers say."""
    if question_slug:
        url = reverse("help:question", args=[topic_slug, question_slug])
    else:
        url = reverse("help:topic", args=[topic_slug])
    said = _("Aide : %(subject)s") % {"subject": label} if label else _("Aide sur ce sujet")
    return format_html(
        '<a class="help-link" href="{}" aria-label="{}" title="{}">?</a>', url, said, said
    )


@register.filter
def help_answer(text: str):
    """An answer's text in its tiny markup, as HTML (helpcentre.markup)."""
    return markup.render(text or "")


@register.filter
def help_plain(text: str) -> str:
    """An answer's text without its markup (page descriptions)."""
    return markup.plain_text(text or "")
