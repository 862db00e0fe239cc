"""The town hall's police contacts: recorded, changed and switched off in the console."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from monquartier.townhalls import police
from monquartier.townhalls.models import PoliceContact
from tests import factories

pytestmark = pytest.mark.django_db

NIANGON = (5.3265, -4.1060)


@pytest.fixture
def agent_client(client, aicha):
    factories.log_in(client, aicha)
    return client


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon Sud", centre=NIANGON, commune_slug="yopougon"
    )


def test_an_agent_adds_a_station_for_chosen_communities_and_mutes_a_category(
    agent_client, cocody_town_hall, riviera, riviera3
):
    response = agent_client.post(
        reverse("townhalls:police"),
        {
            "station": "  Commissariat du 8e   arrondissement ",
            "email": "Commissariat8@Police.ci",
            "mobile": "01 02 03 04 05",
            "communities": [riviera.pk],
            "muted_categories": ["missing"],
        },
    )
    assert response.status_code == 302
    contact = PoliceContact.objects.get()
    assert contact.town_hall == cocody_town_hall
    assert contact.station == "Commissariat du 8e arrondissement"
    assert contact.email == "commissariat8@police.ci"
    assert str(contact.mobile) == "+2250102030405"
    assert list(contact.communities.all()) == [riviera]
    assert contact.muted_categories == ["missing"]
    page = agent_client.get(reverse("townhalls:police")).content.decode()
    assert "Commissariat du 8e arrondissement" in page and "01 02 03 04 05" in page
    assert "Enfant ou animal perdu" in page


def test_no_community_chosen_means_the_whole_commune(agent_client, riviera):
    agent_client.post(
        reverse("townhalls:police"), {"station": "Brigade de Cocody", "email": "b@gend.ci"}
    )
    contact = PoliceContact.objects.get()
    assert not contact.communities.exists() and contact.muted_categories == []
    assert "Toute la commune" in agent_client.get(reverse("townhalls:police")).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"station": "", "email": "b@gend.ci"}, "station"),
        ({"station": "Brigade"}, "email"),
        ({"station": "Brigade", "email": "pas-une-adresse"}, "email"),
        ({"station": "Brigade", "mobile": "12"}, "mobile"),
        ({"station": "Brigade", "mobile": "+33612345678"}, "mobile"),
        (
            {"station": "Brigade", "email": "b@gend.ci", "muted_categories": ["dragons"]},
            "muted_categories",
        ),
        ({"station": "Brigade", "email": "b@gend.ci", "communities": ["abc"]}, "communities"),
    ],
)
def test_bad_input_is_refused_with_field_errors(agent_client, riviera, data, field):
    response = agent_client.post(reverse("townhalls:police"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PoliceContact.objects.exists()


def test_a_community_of_another_commune_is_refused(agent_client, riviera, niangon):
    response = agent_client.post(
        reverse("townhalls:police"),
        {"station": "Brigade", "email": "b@gend.ci", "communities": [niangon.pk]},
    )
    assert response.status_code == 400 and "communities" in response.context["form"].errors
    assert not PoliceContact.objects.exists()


def test_the_service_refuses_what_a_form_might_let_through(cocody_town_hall, riviera, niangon):
    with pytest.raises(ValidationError) as caught:
        police.save_police_contact(
            cocody_town_hall,
            station="Brigade",
            mobile="+33612345678",
            communities=[niangon],
            muted_categories=["dragons"],
        )
    assert set(caught.value.message_dict) == {"mobile", "communities", "muted_categories"}
    with pytest.raises(ValidationError) as caught:
        police.save_police_contact(cocody_town_hall, station="Brigade")
    assert set(caught.value.message_dict) == {"email"}


def test_an_agent_edits_then_deactivates_and_reactivates_a_station(
    agent_client, cocody_town_hall, riviera
):
    contact = police.save_police_contact(
        cocody_town_hall, station="Brigade", email="b@gend.ci", communities=[riviera]
    )
    edit = reverse("townhalls:police_edit", args=[contact.pk])
    page = agent_client.get(edit)
    assert page.status_code == 200 and "b@gend.ci" in page.content.decode()
    response = agent_client.post(
        edit,
        {
            "station": "Brigade de Cocody",
            "mobile": "07 07 12 34 56",
            "muted_categories": ["utility"],
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.station, contact.email, str(contact.mobile)) == (
        "Brigade de Cocody",
        "",
        "+2250707123456",
    )
    assert not contact.communities.exists() and contact.muted_categories == ["utility"]
    assert agent_client.post(edit, {"station": "Brigade de Cocody"}).status_code == 400

    deactivate = reverse("townhalls:police_deactivate", args=[contact.pk])
    assert agent_client.get(deactivate).status_code == 405
    assert agent_client.post(deactivate).status_code == 302
    contact.refresh_from_db()
    assert not contact.active
    assert (
        agent_client.post(reverse("townhalls:police_reactivate", args=[contact.pk])).status_code
        == 302
    )
    contact.refresh_from_db()
    assert contact.active


def test_another_town_hall_s_contacts_are_404(agent_client, riviera):
    yopougon = factories.make_town_hall("yopougon")
    other = police.save_police_contact(yopougon, station="Yopougon", email="y@police.ci")
    assert "Yopougon" not in agent_client.get(reverse("townhalls:police")).content.decode()
    for name in ("townhalls:police_edit", "townhalls:police_deactivate"):
        response = (agent_client.get if name.endswith("edit") else agent_client.post)(
            reverse(name, args=[other.pk])
        )
        assert response.status_code == 404
    other.refresh_from_db()
    assert other.active


def test_members_staff_and_ended_partnerships_have_no_police_page(
    client, awa, mariam, aicha, cocody_town_hall
):
    target = reverse("townhalls:police")
    for user in (awa, mariam):
        factories.log_in(client, user)
        assert client.get(target).status_code == 404
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    factories.log_in(client, aicha)
    assert client.get(target).status_code == 403


def test_the_police_page_costs_the_same_queries_whatever_the_number_of_contacts(
    agent_client, cocody_town_hall, riviera, riviera3, django_assert_max_num_queries
):
    police.save_police_contact(cocody_town_hall, station="A", email="a@police.ci")
    with django_assert_max_num_queries(99) as few:
        agent_client.get(reverse("townhalls:police"))
    baseline = len(few.captured_queries)
    for index in range(5):
        police.save_police_contact(
            cocody_town_hall,
            station=f"Poste {index}",
            email=f"p{index}@police.ci",
            communities=[riviera, riviera3],
            muted_categories=["missing"],
        )
    with django_assert_max_num_queries(baseline):
        assert agent_client.get(reverse("townhalls:police")).status_code == 200
