"""Choosing the communities of an announcement or a signage order at a commune's scale:
the whole commune in one tap, a list for a small commune, names typed (or written by the
map) for a large one, whose page stays light however many communities it has."""

import copy
import gzip
import re

import pytest
from django.urls import reverse

from monquartier.communities.models import Community
from monquartier.townhalls import forms
from monquartier.townhalls.models import Announcement, SignageOrder
from tests import factories

pytestmark = pytest.mark.django_db

NEW = reverse("townhalls:new_announcement")
SIGNAGE = reverse("townhalls:signage")
MAP = reverse("townhalls:console_map")
WATER_CUT = "Coupure d'eau dimanche de 8 h à 18 h pour travaux sur la conduite principale."


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


def add_communities(model: Community, names: list[str]) -> list[Community]:
    """Communities of the same commune and area as `model`, made in one query."""
    rows = []
    for name in names:
        row = copy.copy(model)
        row.pk = None
        row._state.adding = True
        row.name = name
        rows.append(row)
    return Community.objects.bulk_create(rows)


@pytest.fixture
def large(monkeypatch, riviera, riviera3):
    """Cocody counts as a large commune: beyond Riviera 2 and 3, forty communities (two of
    them bearing the same name), where the list stops at five."""
    monkeypatch.setattr(forms, "LIST_UP_TO", 5)
    return add_communities(
        riviera, [f"Angré Extension {number}" for number in range(38)] + ["Golf", "Golf"]
    )


def announcement(**fields):
    return {
        "kind": "announcement",
        "category": "water_cut",
        "text": WATER_CUT,
        "everywhere": "False",
        **fields,
    }


def order(**fields):
    return {
        "signs": "4",
        "stickers": "0",
        "delivery_address": "Mairie de Cocody, service technique",
        "contact_phone": "27 22 44 55 66",
        **fields,
    }


def test_names_are_split_on_lines_and_commas_each_once():
    assert forms.split_names(" Riviera 2,riviera 2\n\nAngré   7 ; Golf #12,") == [
        "Riviera 2",
        "Angré 7",
        "Golf #12",
    ]


# The announcement form.


def test_a_large_commune_s_form_names_no_community_and_stays_light(
    agent_client, riviera, large, django_assert_max_num_queries
):
    # The session, the account, the agent and one probe of at most LIST_UP_TO + 1 names.
    with django_assert_max_num_queries(4):
        response = agent_client.get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<textarea name="names"' in html and 'name="communities"' not in html
    assert "Angré Extension" not in html and riviera.name not in html
    # The map reads the areas from the console's JSON, which the browser caches.
    assert f'data-context-url="{MAP}"' in html and "announce-map-context" not in html
    assert 'value="True"' in html and "Toute la commune" in html
    size = len(gzip.compress(response.content))
    assert size < 14 * 1024
    # Forty more communities: the same page, the same queries.
    add_communities(riviera, [f"Cocody Nord {number}" for number in range(40)])
    with django_assert_max_num_queries(4):
        again = agent_client.get(NEW)
    assert abs(len(gzip.compress(again.content)) - size) < 64
    areas = agent_client.get(MAP).json()["areas"]
    assert len(areas) == 82 and {area["id"] for area in areas} >= {riviera.pk}


def test_typed_names_choose_the_communities_for_the_preview(
    agent_client, riviera, riviera3, large, awa, yao, koffi, django_assert_max_num_queries
):
    response = agent_client.post(NEW, announcement(names="riviera 2,\nRiviera 3"))
    assert response.status_code == 200
    draft = response.context["draft"]
    assert draft.communities == [riviera, riviera3] and draft.reach.members == 3
    html = response.content.decode()
    assert "Riviera 2, Riviera 3" in html and "Confirmer l'envoi" in html
    # The names ride along in the confirm form, and the confirm sends to those two.
    assert 'name="names"' in html
    # Exact names cost one query however many are typed.
    names = "\n".join(f"Angré Extension {number}" for number in range(30))
    with django_assert_max_num_queries(16) as few:
        agent_client.post(NEW, announcement(names="Riviera 2"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        many = agent_client.post(NEW, announcement(names=names))
    assert len(many.context["draft"].communities) == 30
    response = agent_client.post(NEW, announcement(names="Riviera 2\nRiviera 3", confirm=""))
    assert response.status_code == 302
    assert set(Announcement.objects.get().communities.all()) == {riviera, riviera3}


def test_a_part_of_a_name_is_enough_when_one_community_has_it(agent_client, riviera3, large):
    response = agent_client.post(NEW, announcement(names="ra 3, Extension 37"))
    assert response.status_code == 200
    assert [c.name for c in response.context["draft"].communities] == [
        "Angré Extension 37",
        "Riviera 3",
    ]


def test_names_that_match_none_or_several_are_said_and_nothing_is_sent(agent_client, large, issa):
    factories.make_community(
        issa, name="Niangon", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    response = agent_client.post(
        NEW, announcement(names="Riviera 2\nBingerville\nNiangon\nExtension 1", confirm="")
    )
    assert response.status_code == 400
    html = response.content.decode()
    # A community of another commune is unknown here.
    assert "ne porte ces noms : « Bingerville », « Niangon »" in html
    assert "Plusieurs communautés correspondent" in html and "« Extension 1 »" in html
    assert "Angré Extension 1, Angré Extension 10" in html
    # What was typed stays in the field, to correct.
    assert "Bingerville" in response.context["form"]["names"].value()
    assert not Announcement.objects.exists()


def test_two_communities_of_the_same_name_are_told_apart_by_their_number(agent_client, large):
    first, second = large[-2:]
    response = agent_client.post(NEW, announcement(names="golf"))
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Golf #{first.pk}" in html and f"Golf #{second.pk}" in html
    response = agent_client.post(NEW, announcement(names=f"Golf #{second.pk}"))
    assert response.status_code == 200 and response.context["draft"].communities == [second]
    # A number outside the commune is unknown.
    response = agent_client.post(NEW, announcement(names="Golf #999999"))
    assert response.status_code == 400 and "« Golf #999999 »" in response.content.decode()


def test_no_name_or_too_many_names_are_refused(agent_client, large):
    response = agent_client.post(NEW, announcement(names=" , \n"))
    assert response.status_code == 400
    assert "au moins une communauté" in response.content.decode()
    names = ", ".join(f"Quartier {number}" for number in range(forms.NAMES_UP_TO + 1))
    response = agent_client.post(NEW, announcement(names=names))
    assert response.status_code == 400
    assert "choisissez toute la commune" in response.content.decode()
    response = agent_client.post(NEW, announcement(names="x" * (forms.NAMES_MAX_LENGTH + 1)))
    assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_the_whole_commune_is_one_choice_whatever_its_size(
    agent_client, riviera, riviera3, large, yao
):
    response = agent_client.post(NEW, announcement(everywhere="True"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Toutes les communautés de la commune" in html and "42 communautés" in html
    assert "Angré Extension" not in html
    response = agent_client.post(NEW, announcement(everywhere="True", confirm=""))
    assert response.status_code == 302
    assert Announcement.objects.get().communities.count() == 42


def test_a_small_commune_keeps_its_boxes(agent_client, riviera, riviera3):
    html = agent_client.get(NEW).content.decode()
    assert f'name="communities" value="{riviera3.pk}"' in html and 'name="names"' not in html
    response = agent_client.post(NEW, announcement(communities=[riviera3.pk]))
    assert response.status_code == 200 and response.context["draft"].communities == [riviera3]
    response = agent_client.post(NEW, announcement(communities=[]))
    assert response.status_code == 400 and "au moins une communauté" in response.content.decode()


# The signage order.


def test_a_large_commune_s_signage_form_names_no_community_and_stays_light(
    agent_client, riviera, large, django_assert_max_num_queries
):
    # As the announcement's form, and the orders.
    with django_assert_max_num_queries(5):
        response = agent_client.get(SIGNAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<textarea name="names"' in html and '<select name="communities"' not in html
    assert "Angré Extension" not in html and riviera.name not in html
    assert len(gzip.compress(response.content)) < 14 * 1024


def test_a_large_commune_orders_signage_for_typed_names_or_all(
    agent_client, riviera, riviera3, large
):
    response = agent_client.post(SIGNAGE, order(everywhere="False", names="Riviera 3, riviera 2"))
    assert response.status_code == 302
    assert set(SignageOrder.objects.get().communities.all()) == {riviera, riviera3}
    response = agent_client.post(SIGNAGE, order(everywhere="False", names="Bingerville"))
    assert response.status_code == 400 and "« Bingerville »" in response.content.decode()
    response = agent_client.post(SIGNAGE, order(everywhere="False", names=""))
    assert response.status_code == 400
    assert "au moins une communauté, ou toute la commune" in response.content.decode()
    # The whole commune: no community, whatever was typed.
    response = agent_client.post(SIGNAGE, order(everywhere="True", names="Riviera 3"))
    assert response.status_code == 302
    assert not SignageOrder.objects.latest("created_at").communities.exists()
    assert SignageOrder.objects.count() == 2


def test_an_order_for_many_communities_lists_five_and_counts_the_others(
    agent_client, aicha, cocody_town_hall, large
):
    signage_order = SignageOrder.objects.create(
        town_hall=cocody_town_hall,
        ordered_by=aicha,
        signs=40,
        delivery_address="Mairie",
        contact_phone="+2250707123456",
    )
    signage_order.communities.set(large[:12])
    html = agent_client.get(SIGNAGE).content.decode()
    # In the order of names: 0, 1, 10, 11, 2, then 3 to 9.
    assert "Angré Extension 11, Angré Extension 2 et 7 autres" in html
    assert "Angré Extension 3" not in html


def test_a_small_commune_keeps_its_list_and_the_whole_commune_by_default(
    agent_client, riviera, riviera3
):
    html = agent_client.get(SIGNAGE).content.decode()
    assert '<select name="communities"' in html and ">Riviera 3</option>" in html
    assert re.search(r'name="everywhere" value="True"[^>]* checked', html)
    response = agent_client.post(SIGNAGE, order(everywhere="False", communities=[riviera3.pk]))
    assert response.status_code == 302
    assert list(SignageOrder.objects.get().communities.all()) == [riviera3]
    response = agent_client.post(SIGNAGE, order(everywhere="False"))
    assert response.status_code == 400
