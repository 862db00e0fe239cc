"""Public endpoints: what a visitor of the website sees (communities, a public page, the
help centre), nothing private, no token."""

import json

import pytest
from django.core.files.base import ContentFile

from monquartier.helpcentre.models import Question
from tests import factories

pytestmark = pytest.mark.django_db


def _publish(community, presentation="Des voisins qui veillent les uns sur les autres."):
    community.public_page = True
    community.presentation = presentation
    community.save()


def test_a_public_page_shows_what_the_website_shows(api, riviera, awa, yao):
    _publish(riviera)
    awa.pseudonym = "Awa de la Riviera"
    awa.save()
    response = api.get(f"/public/communities/{riviera.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Riviera 2"
    assert body["commune"] == {"slug": "cocody", "name": "Cocody"}
    assert body["member_count"] == 2
    assert body["referents"] == [{"name": "Awa de la Riviera", "photo_url": None}]
    assert body["presentation"].startswith("Des voisins")
    assert body["area"]["type"] == "Polygon"
    # Nobody's real name, address, phone or e-mail.
    shown = json.dumps(body, ensure_ascii=False)
    for private in ("Koné", "Kouassi", "Yao", awa.email, str(awa.mobile), str(yao.mobile)):
        assert private not in shown


def test_a_referents_photo_only_if_they_chose_to_show_it(api, riviera, awa):
    _publish(riviera)
    profile = awa.profile
    profile.photo_thumbnail.save("awa.jpg", ContentFile(factories.image_bytes()), save=True)
    assert api.get(f"/public/communities/{riviera.pk}").json()["referents"][0]["photo_url"] is None
    profile.show_photo_on_public_page = True
    profile.save()
    url = api.get(f"/public/communities/{riviera.pk}").json()["referents"][0]["photo_url"]
    assert url and url.endswith("/thumbnail/")


def test_a_community_without_a_public_page_is_a_404(api, riviera):
    response = api.get(f"/public/communities/{riviera.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get("/public/communities/999999").status_code == 404


def test_the_communities_of_a_commune_by_name(api, riviera, riviera3):
    factories.make_community(
        factories.make_user("Issa", "Ouattara"),
        name="Niangon Sud",
        centre=(5.3265, -4.1060),
        commune_slug="yopougon",
    )
    body = api.get("/public/communities", commune="cocody").json()
    assert [item["name"] for item in body["items"]] == ["Riviera 2", "Riviera 3"]
    assert (body["page"], body["pages"]) == (1, 1)
    assert body["items"][0]["member_count"] == 2
    assert body["items"][0]["public_page"] is False
    assert body["items"][0]["distance_m"] is None


def test_the_communities_around_a_point_the_containing_one_first(api, riviera, riviera3):
    body = api.get("/public/communities", latitude=5.3590, longitude=-3.9610).json()
    assert [item["name"] for item in body["items"]] == ["Riviera 2", "Riviera 3"]
    assert body["items"][0]["distance_m"] == 0
    assert 0 < body["items"][1]["distance_m"] < 3000
    far = api.get("/public/communities", latitude=5.40, longitude=-3.70).json()
    assert far["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"latitude": 5.36},
        {"commune": "cocody", "latitude": 5.36, "longitude": -3.96},
        {"latitude": 95, "longitude": 0},
        {"latitude": "nord", "longitude": 0},
        {"commune": "cocody", "page": 0},
        {"commune": "cocody", "sort": "name"},
    ],
)
def test_a_search_without_a_clear_place_is_a_422(api, params):
    response = api.get("/public/communities", **params)
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "fields"}


def test_an_unknown_commune_is_a_404(api):
    assert api.get("/public/communities", commune="atlantide").status_code == 404


def test_the_search_by_commune_costs_a_fixed_number_of_queries(
    api, riviera, riviera3, django_assert_num_queries
):
    # The commune, the count for the pages, the page with member counts and communes.
    with django_assert_num_queries(3):
        api.get("/public/communities", commune="cocody")
    for number in range(3):
        factories.make_community(
            factories.make_user("Voisin", f"N{number}"),
            name=f"Angré {number}",
            centre=(5.3900 + number * 0.01, -3.9900),
        )
    with django_assert_num_queries(3):
        assert len(api.get("/public/communities", commune="cocody").json()["items"]) == 5


def test_the_search_near_a_point_costs_a_fixed_number_of_queries(
    api, riviera, riviera3, django_assert_num_queries
):
    # The containing one, the nearby ones, then their rows with member counts.
    with django_assert_num_queries(3):
        api.get("/public/communities", latitude=5.3590, longitude=-3.9610)


def test_the_public_page_costs_a_fixed_number_of_queries(api, riviera, django_assert_num_queries):
    _publish(riviera)
    factories.add_member(riviera, referent=True)
    with django_assert_num_queries(2):
        api.get(f"/public/communities/{riviera.pk}")


def test_the_help_centres_topics_with_their_questions(api, django_assert_num_queries):
    with django_assert_num_queries(2):
        body = api.get("/help").json()
    topics = {topic["slug"]: topic for topic in body}
    assert "alertes" in topics
    slugs = [question["slug"] for question in topics["alertes"]["questions"]]
    assert "lancer-une-alerte" in slugs


def test_a_topic_without_published_question_is_left_out(api):
    Question.objects.filter(topic__slug="gazette").update(published=False)
    assert "gazette" not in {topic["slug"] for topic in api.get("/help").json()}


def test_an_article_in_the_language_asked(api):
    question = Question.objects.get(topic__slug="alertes", slug="lancer-une-alerte")
    french = api.get("/help/alertes/lancer-une-alerte").json()
    assert french["question"] == question.question
    assert "<ol><li>" in french["answer_html"]
    assert "ne-pas-intervenir" in {other["slug"] for other in french["others"]}
    response = api.get(
        "/help/alertes/lancer-une-alerte", headers={"Accept-Language": "en-GB,en;q=0.8"}
    )
    assert response.json()["question"] == (question.question_en or question.question)
    assert "Accept-Language" in response["Vary"]
    # A language we do not have: French.
    swahili = api.get("/help/alertes/lancer-une-alerte", headers={"Accept-Language": "sw"})
    assert swahili.json()["question"] == question.question


def test_the_english_article_is_the_english_text(api):
    question = Question.objects.filter(question_en__gt="").select_related("topic").first()
    assert question is not None
    body = api.get(
        f"/help/{question.topic.slug}/{question.slug}", headers={"Accept-Language": "en"}
    ).json()
    assert body["question"] == question.question_en


@pytest.mark.parametrize(
    "path", ["/help/alertes/nulle-part", "/help/gazette/lancer-une-alerte", "/help/x/y/z"]
)
def test_an_article_that_does_not_exist_is_a_404(api, path):
    assert api.get(path).status_code == 404


def test_an_unpublished_article_is_a_404(api):
    Question.objects.filter(slug="lancer-une-alerte").update(published=False)
    assert api.get("/help/alertes/lancer-une-alerte").status_code == 404


def test_the_search_finds_answers_with_the_words_marked(api):
    results = api.get("/help/search", q="jumelage").json()
    assert results
    assert any("<mark>" in result["snippet_html"] for result in results)
    assert {"topic", "slug", "question", "snippet_html"} == set(results[0])
    assert api.get("/help/search", q="").json() == []


def test_a_search_too_long_gets_the_websites_message(api):
    response = api.get("/help/search", q="alerte " * 20)
    assert response.status_code == 422
    assert "100 caractères" in response.json()["fields"]["q"][0]


def test_public_endpoints_answer_without_a_token_and_carry_no_cookie(api, riviera):
    _publish(riviera)
    for path in ("/help", f"/public/communities/{riviera.pk}", "/help/search?q=alerte"):
        response = api.client.get(f"/api/v1{path}")
        assert response.status_code == 200
        assert not response.cookies
