"""The « ? » beside what the help centre explains: the tag, and the pages that carry it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from monquartier.helpcentre.models import Question
from tests import factories

pytestmark = pytest.mark.django_db

HELP_LINK = re.compile(r'\{% help_link "(?P<topic>[^"]+)"(?: "(?P<question>[^"]+)")?')
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _render(source: str) -> str:
    return Template("{% load help %}" + source).render(Context())


def test_the_tag_renders_a_small_labelled_link_to_the_answer():
    html = _render('{% help_link "alertes" "lancer-une-alerte" "lancer une alerte" %}')
    assert html == (
        '<a class="help-link" href="/aide/alertes/lancer-une-alerte/" '
        'aria-label="Aide : lancer une alerte" title="Aide : lancer une alerte">?</a>'
    )


def test_without_a_question_it_links_to_the_topic_and_says_so_generically():
    html = _render('{% help_link "alertes" %}')
    assert 'href="/aide/alertes/"' in html
    assert 'aria-label="Aide sur ce sujet"' in html


def test_the_label_is_escaped_and_translated():
    assert "&lt;b&gt;" in _render('{% help_link "alertes" "x" "<b>" %}')
    with translation.override("en"):
        assert 'aria-label="Help: SMS"' in _render('{% help_link "alertes" "x" "SMS" %}')


def test_the_tag_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        _render('{% help_link "alertes" "lancer-une-alerte" %}')


def _links_in_templates():
    for path in TEMPLATES.rglob("*.html"):
        for match in HELP_LINK.finditer(path.read_text()):
            yield path.relative_to(TEMPLATES), match["topic"], match["question"]


def test_every_help_link_in_the_templates_leads_to_a_published_answer():
    links = list(_links_in_templates())
    assert len(links) >= 12
    for template, topic, question in links:
        answers = Question.objects.published().filter(topic__slug=topic)
        if question:
            answers = answers.filter(slug=question)
        assert answers.exists(), f"{template}: {topic}/{question} is no published answer"


@pytest.mark.parametrize(
    "template",
    [
        "account/signup.html",
        "communities/join.html",
        "alerts/launch.html",
        "notifications/settings.html",
        "communities/directory.html",
        "communities/twinnings.html",
        "communities/referents.html",
        "accounts/close_account.html",
        "townhalls/partner_page.html",
    ],
)
def test_the_pages_the_issue_names_carry_a_help_link(template):
    assert HELP_LINK.search((TEMPLATES / template).read_text()), template


def test_a_visitor_sees_the_link_on_the_sign_up_page(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert 'href="/aide/inscription/s-inscrire/"' in html


def test_a_member_sees_the_links_on_their_pages(client, riviera, awa):
    factories.log_in(client, awa)
    pages = {
        reverse("alerts:launch"): "/aide/alertes/lancer-une-alerte/",
        reverse("notification_settings"): "/aide/notifications/changer-la-frequence/",
        reverse("communities:directory", args=[riviera.pk]): "/aide/annuaire/qui-voit-l-annuaire/",
        reverse("accounts:close"): "/aide/fermer-mon-compte/fermer-le-compte/",
        reverse("townhalls:partner_page"): "/aide/mairies/mairie-partenaire/",
        reverse("communities:referents", args=[riviera.pk]): "/aide/referents/nommer-un-referent/",
        reverse("communities:twinnings", args=[riviera.pk]): "/aide/jumelage/c-est-quoi/",
    }
    for page, answer in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'href="{answer}"' in response.content.decode(), page
