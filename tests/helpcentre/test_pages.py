"""The help centre's pages: public, light, in the reader's language, 404 for what is not
published."""

import gzip

import pytest
from django.urls import reverse
from django.utils import translation

from monquartier.helpcentre.models import Question, Topic
from tests import factories

pytestmark = pytest.mark.django_db

HTML_LIMIT = 14 * 1024


def _question(topic="alertes", slug="lancer-une-alerte") -> Question:
    return Question.objects.select_related("topic").get(topic__slug=topic, slug=slug)


def test_a_visitor_sees_every_topic_and_the_search_box(client):
    response = client.get(reverse("help:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for topic in Topic.objects.all():
        assert reverse("help:topic", args=[topic.slug]) in html
    assert 'role="search"' in html and 'name="q"' in html
    assert "110" in html  # the emergency numbers, on the help centre's front page


def test_a_topic_without_published_question_is_not_listed(client):
    Question.objects.filter(topic__slug="gazette").update(published=False)
    response = client.get(reverse("help:index"))
    assert reverse("help:topic", args=["gazette"]) not in response.content.decode()
    assert client.get(reverse("help:topic", args=["gazette"])).status_code == 404


def test_a_topic_page_shows_its_published_answers_with_anchors(client):
    hidden = _question("alertes", "corriger-une-alerte")
    hidden.published = False
    hidden.save()
    response = client.get(reverse("help:topic", args=["alertes"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lancer-une-alerte"' in html
    assert "Comment lancer une alerte ?" in html
    assert "<ol><li>" in html  # the answer's markup, rendered
    assert hidden.question not in html


def test_a_question_page_shows_the_answer_and_the_other_questions_of_its_topic(client):
    question = _question()
    response = client.get(reverse("help:question", args=["alertes", "lancer-une-alerte"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{question.question}</h1>" in html.replace("&#x27;", "'")
    assert reverse("help:question", args=["alertes", "ne-pas-intervenir"]) in html
    assert reverse("help:topic", args=["alertes"]) in html


@pytest.mark.parametrize(
    "path",
    [
        "/aide/nulle-part/",
        "/aide/alertes/nulle-part/",
        "/aide/gazette/lancer-une-alerte/",  # a question of another topic
        "/aide/" + "a" * 3000 + "/",
        "/aide/alertes/" + "b" * 3000 + "/",
    ],
)
def test_what_does_not_exist_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_an_unpublished_answer_is_a_404(client):
    Question.objects.filter(slug="lancer-une-alerte").update(published=False)
    response = client.get(reverse("help:question", args=["alertes", "lancer-une-alerte"]))
    assert response.status_code == 404


def test_english_readers_read_the_english_text(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("help:question", args=["alertes", "lancer-une-alerte"]))
    html = response.content.decode()
    assert "How do I send an alert?" in html
    assert "Comment lancer une alerte ?" not in html


def test_english_readers_get_the_french_text_where_no_english_is_written(client):
    Question.objects.filter(slug="lancer-une-alerte").update(question_en="", answer_en="")
    with translation.override("en"):
        question = _question()
        assert question.shown_question == "Comment lancer une alerte ?"
        assert question.shown_answer == question.answer


def test_members_read_it_too_and_the_footer_links_to_it(client, awa):
    factories.log_in(client, awa)
    response = client.get(reverse("home"))
    assert reverse("help:index") in response.content.decode()
    assert client.get(reverse("help:topic", args=["alertes"])).status_code == 200


def test_pages_may_be_kept_a_while_by_the_readers_browser_only(client):
    response = client.get(reverse("help:topic", args=["alertes"]))
    assert "private" in response["Cache-Control"]
    assert "max-age=600" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("help:index", []),
        ("help:topic", ["referents"]),  # the longest topic
        ("help:question", ["referents", "changer-la-limite"]),
    ],
)
def test_pages_are_light_and_run_few_queries(client, name, args, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert len(gzip.compress(response.content)) < HTML_LIMIT


def test_the_query_count_does_not_grow_with_the_questions(client, django_assert_num_queries):
    topic = Topic.objects.get(slug="gazette")
    with django_assert_num_queries(2):
        client.get(reverse("help:topic", args=["gazette"]))
    for index in range(10):
        Question.objects.create(topic=topic, slug=f"q{index}", question="Q ?", answer="R.")
    with django_assert_num_queries(2):
        client.get(reverse("help:topic", args=["gazette"]))


def test_only_get_is_answered(client):
    assert client.post(reverse("help:index")).status_code == 405


def test_a_question_page_describes_itself_without_markup(client):
    response = client.get(reverse("help:question", args=["inscription", "s-inscrire"]))
    description = response.content.decode().split('<meta name="description" content="')[1]
    description = description.split('"', 1)[0]
    assert "On vous demande : votre prénom et votre nom ; votre numéro" in description
