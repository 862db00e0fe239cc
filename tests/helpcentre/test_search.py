"""Searching the help centre: the simple search everywhere, PostgreSQL's full-text search
in French (tests marked postgres), and queries that must never break the page."""

import gzip
import os

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from monquartier.helpcentre.models import Question
from monquartier.helpcentre.search import QUERY_MAX_LENGTH, search

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL)",
)


def _found(query: str) -> list[str]:
    return [f"{result.question.topic.slug}/{result.question.slug}" for result in search(query)]


def test_a_word_finds_the_questions_that_contain_it():
    found = _found("jumelage")
    assert "jumelage/c-est-quoi" in found
    assert "gazette/qui-lit-la-gazette" not in found


def test_a_plural_finds_the_singular():
    assert "alertes/lancer-une-alerte" in _found("alertes")


def test_every_word_must_be_found():
    found = _found("mot de passe oublié")
    assert found[0] == "connexion/mot-de-passe-oublie"
    assert "alertes/ne-pas-intervenir" not in found


def test_questions_naming_the_words_come_first():
    assert _found("pseudonyme")[0] == "parametres/pseudonyme"


def test_unpublished_answers_are_never_found():
    Question.objects.filter(slug="pseudonyme").update(published=False)
    assert "parametres/pseudonyme" not in _found("pseudonyme")


def test_nothing_is_looked_for_without_a_word(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search("") == []
        assert search("  ?! -- ") == []


def test_the_snippet_marks_the_words_and_escapes_the_text():
    Question.objects.filter(slug="pseudonyme").update(answer="Un <b>pseudonyme</b> & rien d'autre.")
    result = next(r for r in search("pseudonyme") if r.question.slug == "pseudonyme")
    assert "<mark>pseudonyme</mark>" in result.snippet
    assert "<b>" not in result.snippet  # PostgreSQL's headline drops the tag, we escape it
    assert "&amp; rien d&#x27;autre" in result.snippet


def test_english_readers_search_the_english_text():
    with translation.override("en"):
        found = _found("forgot password")
    assert found[0] == "connexion/mot-de-passe-oublie"


def test_the_search_page_lists_the_answers_with_links(client):
    response = client.get(reverse("help:search"), {"q": "jumelage"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("help:question", args=["jumelage", "c-est-quoi"]) in html
    assert "<mark>" in html
    assert 'value="jumelage"' in html
    assert 'name="robots" content="noindex"' in html


def test_a_search_without_answer_offers_the_topics(client):
    response = client.get(reverse("help:search"), {"q": "hippopotame"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "0 réponse" in html
    assert reverse("help:topic", args=["alertes"]) in html


def test_an_empty_search_shows_the_box(client):
    response = client.get(reverse("help:search"))
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "x" * (QUERY_MAX_LENGTH + 1),
        "mot\x00de passe",
    ],
)
def test_a_query_too_long_or_with_a_null_byte_is_refused_with_a_message(client, query):
    response = client.get(reverse("help:search"), {"q": query})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "%",
        "_",
        "'; DROP TABLE helpcentre_question; --",
        '"mot de passe',
        "-sms OR",
        "<script>alert(1)</script>",
        "a & b | !c :* (",
        "🚨🚨",
        "référent" * 10,
    ],
)
def test_odd_queries_never_break_the_page(client, query):
    response = client.get(reverse("help:search"), {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert Question.objects.exists()


def test_a_search_runs_few_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get(reverse("help:search"), {"q": "sms alerte"})


@on_postgres
@pytest.mark.postgres
class TestFullTextSearch:
    def test_the_database_is_postgresql(self):
        assert connection.vendor == "postgresql"

    def test_french_stemming_finds_other_forms_of_a_word(self):
        assert "alertes/lancer-une-alerte" in _found("alertes")
        # « notifications » is the plural; « notif » the stem of both.
        assert "notifications/types-de-notifications" in _found("notification")

    def test_accents_do_not_count(self):
        assert _found("referent") == _found("référent")
        assert "referents/role-du-referent" in _found("REFERENT")
        # Neither accents nor the plural: a substring search would find nothing.
        assert "inscription/numero-de-telephone" in _found("telephones")

    def test_stop_words_are_ignored(self):
        assert _found("le mot de passe")[:2] == _found("mot passe")[:2]
        assert "connexion/mot-de-passe-oublie" in _found("le mot de passe")[:2]

    def test_the_question_weighs_more_than_the_answer(self):
        assert _found("pseudonyme")[0] == "parametres/pseudonyme"

    def test_the_headline_marks_the_words_found(self):
        result = next(r for r in search("jumel") if r.question.slug == "sms-et-jumelage")
        assert "<mark>jumelés</mark>" in result.snippet

    def test_a_new_answer_is_searchable_at_once(self):
        question = Question.objects.get(slug="pseudonyme")
        question.answer = "Le baobab du quartier sert de repère."
        question.save()
        assert _found("baobabs") == ["parametres/pseudonyme"]

    def test_a_word_cut_short_finds_the_whole_word(self):
        assert "jumelage/c-est-quoi" in _found("jumel")
        assert "alertes/arreter-les-sms" in _found("arrêter les sm")

    def test_when_full_text_finds_nothing_the_simple_search_is_tried(self):
        # « 42b » starts no word of the text (the word is « xk42b »): only a substring.
        question = Question.objects.get(slug="pseudonyme")
        question.answer = "Référence: XK42B."
        question.save()
        assert _found("42b") == ["parametres/pseudonyme"]

    def test_english_readers_search_the_english_vector(self):
        with translation.override("en"):
            assert _found("twinning")[0].startswith("jumelage/")

    def test_the_vectors_have_a_gin_index(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'helpcentre_question'"
            )
            definitions = " ".join(row[0] for row in cursor.fetchall())
        assert "USING gin (search_fr)" in definitions
        assert "USING gin (search_en)" in definitions


def test_a_search_shows_at_most_twenty_answers_in_a_light_page(client):
    response = client.get(reverse("help:search"), {"q": "vous"})
    html = response.content.decode()
    assert html.count('<li><a href="/aide/') == 20
    assert len(gzip.compress(response.content)) < 14 * 1024
