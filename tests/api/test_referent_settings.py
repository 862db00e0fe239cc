"""The community's settings and the neighbours without internet, through the API
(api/v1/referent.py): the website's Réglages page and "Inscrire un voisin" — same forms,
same services, same caps and SMS — for the référents of the community only."""

import pytest

from monquartier.accounts.models import Home, User
from monquartier.communities.models import Community, Membership, ValidationMode
from monquartier.notifications.models import Notification
from monquartier.outbox.models import TextMessage, TextPurpose
from tests import factories

pytestmark = pytest.mark.django_db


def neighbour(**changes):
    values = {
        "first_name": "Koné",
        "last_name": "Mamadou",
        "mobile": "07 07 11 22 33",
        "quartier": "Riviera 2",
        "landmark": "Derrière la pharmacie",
        "place": {"latitude": 5.3592, "longitude": -3.9608},
        "confirm": True,
    }
    values.update(changes)
    return values


@pytest.fixture
def aged(riviera):
    factories.age_community(riviera, days=30)
    return riviera


# --- who may ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/community/settings"),
        ("patch", "/community/settings"),
        ("post", "/community/neighbours"),
    ],
)
def test_anonymous_gets_a_401(api, riviera, method, path):
    assert getattr(api, method)(path).status_code == 401


def test_a_plain_member_gets_a_403_and_changes_nothing(api_as, aged, yao, sms_outbox):
    app = api_as(yao)
    assert app.get("/community/settings").json()["code"] == "forbidden"
    assert app.patch("/community/settings", {"acknowledgement_minutes": 30}).status_code == 403
    assert app.post("/community/neighbours", neighbour()).status_code == 403
    aged.refresh_from_db()
    assert aged.acknowledgement_minutes != 30
    assert User.objects.count() == 2 and sms_outbox == []


def test_who_has_no_community_or_waits_gets_a_403(api_as, riviera, issa, aicha, mariam, salif):
    for outsider in (issa, aicha, mariam):
        assert api_as(outsider).get("/community/settings").json()["code"] == "not_a_member"
        assert api_as(outsider).post("/community/neighbours", neighbour()).status_code == 403
    response = api_as(salif).get("/community/settings")
    assert response.status_code == 403
    assert response.json()["message"] == "Votre demande d'adhésion attend encore la validation."


def test_the_other_communitys_referent_cannot_touch_it(api_as, riviera, riviera3, koffi):
    """Koffi's settings are Riviera 3's: nothing of Riviera 2 changes."""
    body = api_as(koffi).patch("/community/settings", {"presentation": "Riviera 3"}).json()
    assert body["presentation"] == "Riviera 3"
    riviera.refresh_from_db()
    assert riviera.presentation != "Riviera 3"


# --- settings -----------------------------------------------------------------------


def test_the_settings_as_the_page_shows_them(api_as, riviera, awa):
    body = api_as(awa).get("/community/settings").json()
    assert body["validation_mode"]["mode"] == ValidationMode.REFERENTS
    assert body["validation_mode"]["set_by_commune"] is False
    assert body["public_page"] is riviera.public_page
    assert body["acknowledgement_minutes"] == riviera.acknowledgement_minutes
    assert (body["acknowledgement_minutes_min"], body["acknowledgement_minutes_max"]) == (2, 120)
    assert body["registers_neighbours_from"]


def test_a_referent_changes_the_delay_and_the_public_page(api_as, riviera, awa):
    app = api_as(awa)
    body = app.patch(
        "/community/settings",
        {"acknowledgement_minutes": 25, "public_page": True, "presentation": "  Bienvenue  "},
    ).json()
    assert body["acknowledgement_minutes"] == 25
    assert body["public_page"] is True and body["presentation"] == "Bienvenue"
    riviera.refresh_from_db()
    assert (riviera.acknowledgement_minutes, riviera.public_page) == (25, True)
    assert riviera.presentation == "Bienvenue"
    # The fields left out keep their value; public_page false switches the page off.
    body = app.patch("/community/settings", {"public_page": False}).json()
    assert body["public_page"] is False and body["acknowledgement_minutes"] == 25
    assert body["presentation"] == "Bienvenue"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"acknowledgement_minutes": 1}, "acknowledgement_minutes"),
        ({"acknowledgement_minutes": 121}, "acknowledgement_minutes"),
        ({"acknowledgement_minutes": "30"}, "acknowledgement_minutes"),
        ({"presentation": "x" * 1001}, "presentation"),
        ({"validation_mode": "townhall"}, "validation_mode"),
        ({"validation_mode": "nimportequoi"}, "validation_mode"),
        ({"public_page": "oui"}, "public_page"),
    ],
)
def test_refused_settings_change_nothing(api_as, riviera, awa, changes, field):
    before = Community.objects.values().get(pk=riviera.pk)
    response = api_as(awa).patch(
        "/community/settings",
        {**changes, "acknowledgement_minutes": 40}
        if field != "acknowledgement_minutes"
        else changes,
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert Community.objects.values().get(pk=riviera.pk) == before


def test_the_delay_message_is_the_members_language(api_as, riviera, awa):
    awa.language = "en"
    awa.save(update_fields=["language"])
    response = api_as(awa).patch("/community/settings", {"acknowledgement_minutes": 500})
    assert response.status_code == 422
    # The form's own words (Django's), in English.
    assert response.json()["fields"]["acknowledgement_minutes"] == [
        "Ensure this value is less than or equal to 120."
    ]


def test_a_mode_the_town_hall_decides_cannot_be_changed(api_as, riviera, awa):
    factories.make_town_hall("cocody", validation="townhall")
    app = api_as(awa)
    body = app.get("/community/settings").json()
    assert body["validation_mode"]["set_by_commune"] is True
    response = app.patch("/community/settings", {"validation_mode": ValidationMode.STAFF})
    assert response.status_code == 422
    assert "mairie partenaire" in response.json()["fields"]["validation_mode"][0]
    # The other settings still change, the mode staying the town hall's.
    assert app.patch("/community/settings", {"acknowledgement_minutes": 9}).status_code == 200


# --- neighbours without internet ---------------------------------------------------


def test_a_referent_registers_a_neighbour_who_gets_the_consent_sms(api_as, aged, awa, sms_outbox):
    response = api_as(awa).post(
        "/community/neighbours", neighbour(alert_voice=True, email="Mamadou@Exemple.ci")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    registered = User.objects.get(pk=body["user_id"])
    assert body == {
        "user_id": registered.pk,
        "name": "Koné Mamadou",
        "mobile_verified": False,
        "alert_voice": True,
    }
    assert str(registered.mobile) == "+2250707112233" and registered.email == "mamadou@exemple.ci"
    assert Home.objects.get(user=registered).landmark == "Derrière la pharmacie"
    membership = Membership.objects.get(user=registered)
    assert membership.registered_by == awa and membership.community == aged
    (consent,) = TextMessage.objects.filter(purpose=TextPurpose.CONSENT)
    assert consent.account == awa and consent.community == aged
    assert consent.to == "+2250707112233"
    (sms,) = sms_outbox
    assert "Riviera 2" in sms.text and "repondez OUI" in sms.text


def test_the_voice_choice_is_off_unless_asked(api_as, aged, awa):
    body = api_as(awa).post("/community/neighbours", neighbour()).json()
    assert body["alert_voice"] is False
    assert User.objects.get(pk=body["user_id"]).alert_voice is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"confirm": False}, "confirm"),
        ({"first_name": ""}, "first_name"),
        ({"mobile": "01 02"}, "mobile"),
        ({"mobile": "+33 6 12 34 56 78"}, "mobile"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"email": "yao.kouassi@exemple.ci"}, "email"),
        ({"place": {"latitude": 5.3265, "longitude": -4.1060}}, "place"),
        ({"place": {"latitude": 95, "longitude": -3.96}}, "place"),
        ({"alert_voice": "oui"}, "alert_voice"),
    ],
)
def test_a_refused_registration_creates_nothing_and_sends_nothing(
    api_as, aged, awa, sms_outbox, changes, field
):
    response = api_as(awa).post("/community/neighbours", neighbour(**changes))
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"], response.json()
    assert User.objects.count() == 2
    assert not TextMessage.objects.exists() and sms_outbox == []


def test_a_number_is_registered_once(api_as, aged, awa):
    app = api_as(awa)
    assert app.post("/community/neighbours", neighbour()).status_code == 201
    again = app.post("/community/neighbours", neighbour(first_name="Autre"))
    assert again.status_code == 422
    assert again.json()["fields"]["mobile"] == ["Ce numéro est déjà inscrit dans cette communauté."]
    assert TextMessage.objects.count() == 1


def test_a_new_community_waits_before_registering(api_as, riviera, awa, sms_outbox):
    factories.age_community(riviera, days=2)
    response = api_as(awa).post("/community/neighbours", neighbour())
    assert response.status_code == 422
    assert "jours d'existence" in response.json()["message"]
    assert User.objects.count() == 2 and sms_outbox == []


def test_the_referents_cap_is_a_429_and_staff_are_told(api_as, aged, awa, mariam, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "neighbour_by_referent": (1, 24 * 3600)}
    app = api_as(awa)
    assert app.post("/community/neighbours", neighbour()).status_code == 201
    response = app.post("/community/neighbours", neighbour(mobile="07 07 11 22 44"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "beaucoup de voisins" in response.json()["message"]
    assert TextMessage.objects.count() == 1 and User.objects.count() == 4  # Mariam too
    assert Notification.objects.filter(event="sms_cap_reached", recipient=mariam).count() == 1


def test_a_repeat_with_the_same_key_registers_once(api_as, aged, awa):
    app = api_as(awa)
    key = {"Idempotency-Key": "voisin-1"}
    first = app.post("/community/neighbours", neighbour(), headers=key)
    again = app.post("/community/neighbours", neighbour(), headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert TextMessage.objects.count() == 1
    other = app.post("/community/neighbours", neighbour(first_name="Autre"), headers=key)
    assert other.status_code == 409


# --- boundary and name --------------------------------------------------------------


def put(app, path, data):
    return app.client.put(
        f"/api/v1{path}",
        data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )


def test_the_boundary_is_for_the_referents_only(api, api_as, riviera, yao, issa):
    assert api.get("/community/boundary").status_code == 401
    assert api_as(yao).get("/community/boundary").json()["code"] == "forbidden"
    assert api_as(issa).get("/community/boundary").json()["code"] == "not_a_member"
    smaller = factories.square(5.3590, -3.9610, side_m=500)
    assert (
        put(api_as(yao), "/community/boundary", {"name": "X", "area": smaller}).status_code == 403
    )
    riviera.refresh_from_db()
    assert riviera.name == "Riviera 2"


def test_a_referent_renames_and_redraws_the_community(api_as, riviera, awa, yao):
    app = api_as(awa)
    body = app.get("/community/boundary").json()
    assert body["name"] == "Riviera 2" and body["area"]["type"] == "Polygon"
    assert body["max_area_m2"] == 1_000_000
    larger = factories.square(5.3590, -3.9610, side_m=700)
    response = put(app, "/community/boundary", {"name": "Riviera 2 – Manguiers", "area": larger})
    assert response.status_code == 200, response.content
    riviera.refresh_from_db()
    assert riviera.name == "Riviera 2 – Manguiers"
    assert response.json()["area_m2"] == pytest.approx(riviera.area_m2)
    assert riviera.area_m2 > 450_000


def test_members_left_outside_are_named_until_the_referent_warned_them(api_as, riviera, awa, yao):
    app = api_as(awa)
    smaller = factories.square(5.3588, -3.9612, side_m=60)  # Awa's home only
    response = put(app, "/community/boundary", {"name": "Riviera 2", "area": smaller})
    assert response.status_code == 422
    assert "Yao Kouassi" in response.json()["fields"]["leave_outside"][0]
    riviera.refresh_from_db()
    assert riviera.area_m2 > 300_000  # unchanged
    response = put(
        app, "/community/boundary", {"name": "Riviera 2", "area": smaller, "leave_outside": True}
    )
    assert response.status_code == 200
    riviera.refresh_from_db()
    assert riviera.area_m2 < 10_000


@pytest.mark.parametrize(
    "area",
    [
        {"type": "Point", "coordinates": [-3.96, 5.36]},
        {"type": "Polygon", "coordinates": "n'importe quoi"},
        {"type": "Polygon", "coordinates": [[[-3.96, 5.36], [-3.95, 5.36]]]},
        {},
    ],
)
def test_a_bad_area_is_a_422_and_changes_nothing(api_as, riviera, awa, area):
    before = Community.objects.values("area", "name").get(pk=riviera.pk)
    response = put(api_as(awa), "/community/boundary", {"name": "Autre nom", "area": area})
    assert response.status_code == 422, response.content
    assert "area" in response.json()["fields"]
    assert Community.objects.values("area", "name").get(pk=riviera.pk) == before


def test_an_area_over_another_community_is_refused(api_as, riviera, riviera3, awa):
    over = factories.square(5.3590, -3.9560, side_m=700)  # into Riviera 3
    response = put(api_as(awa), "/community/boundary", {"name": "Riviera 2", "area": over})
    assert response.status_code == 422
    assert "area" in response.json()["fields"]
