"""Staff edit the help centre in the admin; what they save is what readers read (and, on
PostgreSQL, what the search finds: tests/helpcentre/test_search.py)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from monquartier.helpcentre.models import Question, Topic
from tests.factories import log_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return make_user("Nadia", "Staff", is_staff=True, is_superuser=True)


def _form(existing: Question, **changes) -> dict:
    data = {
        "topic": existing.topic_id,
        "slug": existing.slug,
        "order": existing.order,
        "published": "on" if existing.published else "",
        "question": existing.question,
        "question_en": existing.question_en,
        "answer": existing.answer,
        "answer_en": existing.answer_en,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_staff_list_topics_and_questions(client, editor, django_assert_max_num_queries):
    log_in(client, editor)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:helpcentre_topic_changelist"))
    assert response.status_code == 200
    assert "Alertes et SMS" in response.content.decode()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:helpcentre_question_changelist"), {"q": "SMS"})
    assert response.status_code == 200
    assert "Comment arrêter les SMS d&#x27;alerte ?" in response.content.decode()


def test_an_answer_edited_in_the_admin_is_what_readers_read(client, editor):
    question = Question.objects.get(topic__slug="gazette", slug="qui-lit-la-gazette")
    log_in(client, editor)
    response = client.post(
        reverse("admin:helpcentre_question_change", args=[question.pk]),
        _form(question, answer="Les membres acceptés.\n\n- eux seuls ;\n- personne d'autre."),
    )
    assert response.status_code == 302

    page = client.get(reverse("help:question", args=["gazette", "qui-lit-la-gazette"]))
    assert "<ul><li>eux seuls ;</li><li>personne d&#x27;autre.</li></ul>" in page.content.decode()


def test_the_change_form_links_to_the_page_on_the_site(client, editor):
    question = Question.objects.get(topic__slug="gazette", slug="qui-lit-la-gazette")
    log_in(client, editor)
    response = client.get(reverse("admin:helpcentre_question_change", args=[question.pk]))
    assert response.status_code == 200
    content_type = ContentType.objects.get_for_model(Question).pk
    view_on_site = reverse("admin:view_on_site", args=[content_type, question.pk])
    assert view_on_site in response.content.decode()
    assert client.get(view_on_site)["Location"].endswith("/aide/gazette/qui-lit-la-gazette/")


def test_unpublishing_an_answer_takes_it_off_the_site(client, editor):
    question = Question.objects.get(topic__slug="gazette", slug="qui-lit-la-gazette")
    log_in(client, editor)
    client.post(
        reverse("admin:helpcentre_question_change", args=[question.pk]),
        _form(question, published=""),
    )
    question.refresh_from_db()
    assert not question.published
    url = reverse("help:question", args=["gazette", "qui-lit-la-gazette"])
    assert client.get(url).status_code == 404


def test_two_questions_of_a_topic_cannot_share_an_address(client, editor):
    existing = Question.objects.get(topic__slug="gazette", slug="qui-lit-la-gazette")
    log_in(client, editor)
    response = client.post(
        reverse("admin:helpcentre_question_add"),
        _form(existing, question="Une autre question ?"),
    )
    assert response.status_code == 200
    assert Question.objects.filter(slug="qui-lit-la-gazette").count() == 1


def test_an_answer_too_long_is_refused(client, editor):
    question = Question.objects.get(topic__slug="gazette", slug="qui-lit-la-gazette")
    log_in(client, editor)
    response = client.post(
        reverse("admin:helpcentre_question_change", args=[question.pk]),
        _form(question, answer="mot " * 1001),
    )
    assert response.status_code == 200
    assert "4000" in response.content.decode()


def test_no_topic_may_take_the_search_page_address(client, editor):
    log_in(client, editor)
    response = client.post(
        reverse("admin:helpcentre_topic_add"),
        {
            "title": "Recherche",
            "slug": "recherche",
            "order": 1,
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "Cette adresse est réservée" in response.content.decode()
    assert not Topic.objects.filter(slug="recherche").exists()


def test_a_staff_member_without_the_permission_cannot_edit(client):
    moderator = make_user("Kader", "Staff", is_staff=True)
    log_in(client, moderator)
    assert client.get(reverse("admin:helpcentre_question_changelist")).status_code == 403
