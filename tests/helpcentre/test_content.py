"""The content the data migration loads: every topic of the FAQ, in both languages, with
links that lead somewhere, and a loader that never overwrites what staff edited."""

import re

import pytest
from django.urls import Resolver404, resolve

from monquartier.helpcentre.initial_content import initial_topics, load_initial_content
from monquartier.helpcentre.markup import LINK
from monquartier.helpcentre.models import Question, Topic

pytestmark = pytest.mark.django_db

# Issue 13, item 4: the topics the help centre must cover, by the slug they have.
REQUIRED_TOPICS = {
    "connexion": "log-in",
    "inscription": "sign-up",
    "rejoindre": "joining a community",
    "referents": "référents",
    "mairies": "partner town halls",
    "parametres": "settings",
    "confidentialite": "privacy",
    "notifications": "notifications",
    "alertes": "alerts and SMS",
    "gazette": "gazette",
    "messages": "messages",
    "invitations": "invitations",
    "jumelage": "twinning",
    "annuaire": "directory",
    "fermer-mon-compte": "closing an account",
}


@pytest.mark.parametrize("slug", sorted(REQUIRED_TOPICS))
def test_the_migration_loaded_questions_for_every_topic(slug):
    topic = Topic.objects.get(slug=slug)
    questions = Question.objects.published().filter(topic=topic)
    assert questions.count() >= 3
    for question in questions:
        assert question.question and question.question_en, question.slug
        assert question.answer and question.answer_en, question.slug
        assert topic.title_en


def test_there_are_between_fifty_and_eighty_questions():
    assert 50 <= Question.objects.published().count() <= 80


def test_the_database_holds_what_the_file_says():
    expected = sum(len(topic["questions"]) for topic in initial_topics())
    assert Question.objects.count() == expected
    assert Topic.objects.count() == len(initial_topics())


def test_the_alert_answers_say_not_to_intervene_and_which_numbers_to_call():
    answer = Question.objects.get(topic__slug="alertes", slug="ne-pas-intervenir").answer
    for number in ("110", "111", "170", "180", "185"):
        assert number in answer
    assert "N'intervenez pas" in answer
    stop = Question.objects.get(topic__slug="alertes", slug="arreter-les-sms")
    assert "STOP" in stop.answer and "START" in stop.answer


def _local_links():
    for question in Question.objects.all():
        for text in (question.answer, question.answer_en):
            for link in LINK.finditer(text):
                yield question, link["path"]


def test_every_link_in_an_answer_leads_to_a_page_of_the_site():
    links = list(_local_links())
    assert links, "the content links its answers together"
    for question, path in links:
        try:
            match = resolve(path)
        except Resolver404:
            pytest.fail(f"{question.slug}: {path} leads nowhere")
        if match.url_name == "question":
            assert (
                Question.objects.published()
                .filter(topic__slug=match.kwargs["topic_slug"], slug=match.kwargs["question_slug"])
                .exists()
            ), f"{question.slug}: {path} is no published answer"


def test_no_answer_uses_a_square_bracket_that_is_not_a_link():
    # A typo in the markup would show brackets to readers.
    for question in Question.objects.all():
        for text in (question.answer, question.answer_en):
            assert not re.search(r"\[[^\]]*\](?!\()", LINK.sub("", text)), question.slug


def test_loading_again_adds_only_what_is_missing_and_keeps_staff_edits():
    question = Question.objects.get(topic__slug="connexion", slug="se-connecter")
    question.answer = "Réponse revue par l'équipe."
    question.save()
    Question.objects.filter(topic__slug="gazette", slug="qui-lit-la-gazette").delete()

    assert load_initial_content(Topic, Question) == 1

    question.refresh_from_db()
    assert question.answer == "Réponse revue par l'équipe."
    assert Question.objects.filter(topic__slug="gazette", slug="qui-lit-la-gazette").exists()
    assert load_initial_content(Topic, Question) == 0
