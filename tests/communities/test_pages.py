import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monquartier.communities.models import Movement
from tests import factories


def test_the_directory_costs_the_same_queries_whatever_its_length(
    client, riviera, awa, django_assert_num_queries
):
    factories.log_in(client, awa)
    url = reverse("communities:directory", args=[riviera.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(5) as small:
        client.get(url)
    for index in range(40):
        factories.add_member(
            riviera, first_name=f"Voisin{index}", last_name="Test", landline="+2252722445566"
        )
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["cards"]) == 30
    assert small


def test_the_directory_is_in_name_order_and_follows_renamed_members(client, riviera, awa):
    zadi = factories.add_member(riviera, first_name="Aimé", last_name="Zadi")
    factories.add_member(riviera, first_name="Bintou", last_name="Bamba")
    factories.add_member(riviera, first_name="Ali", last_name="Bamba")
    factories.log_in(client, awa)
    url = reverse("communities:directory", args=[riviera.pk])

    def order():
        return [card.name for card, _link in client.get(url).context["cards"]]

    names = order()
    assert names.index("Ali Bamba") < names.index("Bintou Bamba") < names.index("Aimé Zadi")
    assert names[-1] == "Aimé Zadi"

    zadi.last_name = "Adou"
    zadi.save()
    assert order()[0] == "Aimé Adou"
    # A save that leaves the names alone (the log-in's last_login) does not touch it.
    zadi.last_login = zadi.date_joined
    with CaptureQueriesContext(connection) as queries:
        zadi.save(update_fields=["last_login"])
    assert len(queries) == 1


def test_the_directory_never_shows_emails_and_marks_referents(client, riviera, awa, yao):
    factories.log_in(client, yao)
    page = client.get(reverse("communities:directory", args=[riviera.pk])).content.decode()
    assert "awa.kone@exemple.ci" not in page and "yao.kouassi@exemple.ci" not in page
    assert 'title="Référent">R</abbr>' in page


def test_the_history_is_paginated(client, riviera, awa):
    Movement.objects.bulk_create(
        Movement(community=riviera, kind="arrival", member=awa) for _ in range(45)
    )
    factories.log_in(client, awa)
    url = reverse("communities:history", args=[riviera.pk])
    first = client.get(url)
    assert len(first.context["page"]) == 30
    assert len(client.get(url + "?page=2").context["page"]) == 16  # 45 + the creation
    assert client.get(url + "?page=99").status_code == 200


def test_the_history_costs_the_same_queries_whatever_its_length(
    client, riviera, riviera3, awa, yao, django_assert_num_queries, settings
):
    """Session, user, the member's access, the count, one page of movements with their
    people and the other community, each named by the privacy rules without a query."""
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    factories.log_in(client, yao)
    url = reverse("communities:history", args=[riviera.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(5):
        client.get(url)
    kinds = ["arrival", "departure", "join_refused", "referent_added", "twinning_requested"]
    Movement.objects.bulk_create(
        Movement(
            community=riviera,
            kind=kinds[index % len(kinds)],
            actor=awa,
            member=yao if index % 2 else awa,
            other_community=riviera3 if index % 3 == 0 else None,
        )
        for index in range(60)
    )
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["page"]) == 30
    page = response.content.decode()
    assert "demande refusée" in page.lower() and "Riviera 3" in page


@pytest.mark.parametrize(
    "name",
    [
        "communities:info",
        "communities:directory",
        "communities:history",
        "communities:twinnings",
        "communities:requests",
        "communities:referents",
        "communities:boundary",
        "communities:settings",
        "communities:register_neighbour",
    ],
)
def test_community_pages_are_small(client, riviera, awa, name):
    factories.log_in(client, awa)
    response = client.get(reverse(name, args=[riviera.pk]))
    assert response.status_code == 200
    assert len(gzip.compress(response.content)) < 14 * 1024


def test_join_and_create_pages(client, awa, issa):
    factories.log_in(client, issa)
    page = client.get(reverse("communities:mine")).content.decode()
    assert "Créer la communauté" in page
    assert client.get(reverse("communities:create")).status_code == 200


def test_the_join_page_offers_the_containing_community(client, riviera, issa):
    from monquartier.accounts.models import Home

    Home.objects.filter(user=issa).update(
        latitude=5.3591, longitude=-3.9611, commune=factories.commune("cocody")
    )
    factories.log_in(client, issa)
    page = client.get(reverse("communities:mine")).content.decode()
    assert "Demander à rejoindre" in page and "Riviera 2" in page
    response = client.post(reverse("communities:join"), {"community": riviera.pk})
    assert response.status_code == 302
    assert "en attente" in client.get(reverse("communities:mine")).content.decode()


def test_a_forged_join_to_another_community_is_refused(client, riviera, riviera3, issa):
    from monquartier.accounts.models import Home
    from monquartier.communities.models import Membership

    Home.objects.filter(user=issa).update(
        latitude=5.3591, longitude=-3.9611, commune=factories.commune("cocody")
    )
    factories.log_in(client, issa)
    client.post(reverse("communities:join"), {"community": riviera3.pk})
    assert not Membership.objects.filter(user=issa).exists()


def test_creating_through_the_page(client, issa):
    factories.log_in(client, issa)
    response = client.post(
        reverse("communities:create"),
        {
            "name": "Niangon Nord",
            "commune": factories.commune("yopougon").pk,
            "area": '{"type":"Polygon","coordinates":[[[-4.108,5.325],[-4.104,5.325],[-4.104,5.328],[-4.108,5.328],[-4.108,5.325]]]}',
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ("", "Dessinez le périmètre"),
        ("n'importe quoi", "illisible"),
        (
            '{"type":"Polygon","coordinates":[[[-4.108,5.325],[-4.104,5.328],[-4.104,5.325],[-4.108,5.328]]]}',
            "se croisent",
        ),
        (
            '{"type":"Polygon","coordinates":[[[-4.12,5.31],[-4.09,5.31],[-4.09,5.34],[-4.12,5.34]]]}',
            "km²",
        ),
    ],
)
def test_a_bad_area_is_explained_and_creates_nothing(client, issa, area, message):
    from monquartier.communities.models import Community

    factories.log_in(client, issa)
    response = client.post(
        reverse("communities:create"),
        {"name": "Niangon Nord", "commune": factories.commune("yopougon").pk, "area": area},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Community.objects.exists()


def test_the_information_page_costs_the_same_queries_whatever_the_community(
    client, riviera, awa, yao, twinned, django_assert_num_queries, settings
):
    """Session, user, membership, member count, twinned communities (ids, then rows),
    référents; and the waiting requests for a référent."""
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    factories.log_in(client, yao)
    url = reverse("communities:info", args=[riviera.pk])
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for index in range(10):
        factories.add_member(
            riviera, referent=index % 3 == 0, first_name=f"V{index}", last_name="T"
        )
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.context["member_count"] == 12
    factories.log_in(client, awa)
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"first_name": "Gagnez 500000F"}, "ni chiffres"),
        ({"last_name": "promo.com"}, "pas de lien"),
        ({"mobile": "²"}, "numéro"),
        ({"latitude": "5.40", "longitude": "-3.90"}, "périmètre"),
        ({"age": 0}, "après 7 jours"),
    ],
)
def test_registering_a_neighbour_with_bad_input_shows_why_and_saves_nothing(
    client, riviera, awa, sms_outbox, fields, shown
):
    from monquartier.accounts.models import User
    from tests import factories

    factories.age_community(riviera, days=fields.pop("age", 30))
    form = {
        "first_name": "Amenan",
        "last_name": "Yao",
        "mobile": "0707998877",
        "quartier": "Riviera 2",
        "latitude": "5.3592",
        "longitude": "-3.9612",
        "confirm": "on",
        **fields,
    }
    factories.log_in(client, awa)
    response = client.post(reverse("communities:register_neighbour", args=[riviera.pk]), form)
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert User.objects.count() == 2 and sms_outbox == []


def test_a_new_community_is_told_when_it_may_register_neighbours(client, riviera, awa):
    from tests import factories

    factories.age_community(riviera, days=2)
    factories.log_in(client, awa)
    page = client.get(reverse("communities:register_neighbour", args=[riviera.pk]))
    opens = riviera.registers_neighbours_from
    assert f"à partir du {opens.day} " in page.content.decode()
    factories.age_community(riviera, days=8)
    page = client.get(reverse("communities:register_neighbour", args=[riviera.pk]))
    assert "à partir du" not in page.content.decode()


def test_the_last_member_is_told_before_leaving_that_the_community_will_be_deleted(
    client, awa, yao
):
    alone = factories.make_community(awa, name="Riviera 2")
    factories.log_in(client, awa)
    leave = reverse("communities:leave")
    assert "la communauté est supprimée" in client.get(leave).content.decode()
    factories.add_member(alone, yao)
    assert "la communauté est supprimée" not in client.get(leave).content.decode()
