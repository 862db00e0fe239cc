"""Paramètres from an app: identity, notifications, e-mail and password, through the
website's forms and services; what could hand the account over needs the password."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from monquartier.accounts.models import DeviceToken, User
from monquartier.notifications import preferences
from monquartier.notifications.models import NotificationPreference
from monquartier.outbox.models import PushSubscription
from tests import factories
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


def test_patch_me_changes_the_identity_pages_fields(api_as, awa):
    app = api_as(awa)
    response = app.patch(
        "/me", {"first_name": "Awa Marie", "last_name": "Koné", "newsletter": True}
    )
    assert response.status_code == 200
    assert response.json()["newsletter"] is True
    awa.refresh_from_db()
    assert (awa.first_name, awa.newsletter) == ("Awa Marie", True)


def test_patch_me_refuses_an_empty_first_name(api_as, awa):
    response = api_as(awa).patch("/me", {"first_name": "  "})
    assert response.status_code == 422
    assert "first_name" in response.json()["fields"]
    awa.refresh_from_db()
    assert awa.first_name == "Awa"


def test_notifications_list_every_kind_with_its_choices(api_as, awa):
    body = api_as(awa).get("/me/notifications").json()
    kinds = {kind["kind"]: kind for kind in body["kinds"]}
    assert kinds["alert"]["choices"] == ["instant"]
    assert "digest" not in kinds["townhall"]["choices"]
    assert kinds["gazette"]["mode"] == "digest"
    assert (body["alert_sms"], body["alert_voice"], body["has_push"]) == (True, False, False)


def test_notifications_change_through_the_websites_rules(api_as, awa):
    app = api_as(awa)
    response = app.patch("/me/notifications", {"modes": {"gazette": "off", "message": "digest"}})
    assert response.status_code == 200
    assert preferences.all_modes(awa)["gazette"] == "off"
    assert preferences.all_modes(awa)["message"] == "digest"
    assert preferences.all_modes(awa)["movement"] == "digest"  # left out: unchanged


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"modes": {"alert": "off"}}, "__all__"),
        ({"modes": {"townhall": "digest"}}, "townhall"),
        ({"modes": {"horoscope": "instant"}}, "horoscope"),
        # No push yet: an alert could then reach nobody.
        ({"alert_sms": False}, "alert_sms"),
    ],
)
def test_notifications_refuse_what_the_website_refuses(api_as, awa, change, field):
    response = api_as(awa).patch("/me/notifications", change)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not NotificationPreference.objects.filter(user=awa).exists()
    awa.refresh_from_db()
    assert awa.alert_sms is True


def test_sms_alerts_can_stop_once_push_reaches_the_member(api_as, awa):
    PushSubscription.objects.create(
        user=awa, endpoint="https://push.exemple.ci/1", p256dh="k", auth="a"
    )
    response = api_as(awa).patch("/me/notifications", {"alert_sms": False, "alert_voice": True})
    assert response.status_code == 200
    awa.refresh_from_db()
    assert (awa.alert_sms, awa.alert_voice) == (False, True)


def test_voice_calls_need_a_verified_mobile(api_as, awa):
    awa.mobile_verified = False
    awa.save()
    response = api_as(awa).patch("/me/notifications", {"alert_voice": True})
    assert response.status_code == 422
    assert "alert_voice" in response.json()["fields"]


def test_the_email_changes_with_the_password_by_a_link_to_the_new_address(api_as, awa):
    response = api_as(awa).post(
        "/me/email", {"email": "awa.nouvelle@exemple.ci", "password": factories.PASSWORD}
    )
    assert response.status_code == 202
    assert response.json()["waiting"] == "awa.nouvelle@exemple.ci"
    assert response.json()["email"] == "awa.kone@exemple.ci"  # until the link is opened
    assert [message.to for message in mail.outbox] == [["awa.nouvelle@exemple.ci"]]
    assert not response.cookies  # no session, no flash message cookie


def test_a_wrong_password_changes_nothing(api_as, awa, sms_outbox):
    app = api_as(awa)
    response = app.post("/me/email", {"email": "pirate@exemple.ci", "password": "devine"})
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_password"
    assert response.json()["fields"] == {"password": ["Ce mot de passe n'est pas le bon."]}
    response = app.post(
        "/me/password", {"password": "devine", "new_password": "Pris-Par-Un-Autre-1"}
    )
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="pirate@exemple.ci").exists()
    assert User.objects.get(pk=awa.pk).check_password(factories.PASSWORD)
    assert mail.outbox == []


def test_wrong_passwords_count_in_the_log_ins_limits(api_as, awa):
    app = api_as(awa)
    answers = [
        app.post("/me/email", {"email": "pirate@exemple.ci", "password": "devine"}).status_code
        for _attempt in range(6)
    ]
    assert answers == [403] * 5 + [429]
    # Even the right password now waits, as at the log-in page.
    response = app.post("/me/email", {"email": "pirate@exemple.ci", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 300
    assert not EmailAddress.objects.filter(email="pirate@exemple.ci").exists()


def test_an_account_without_a_password_is_told_to_choose_one(api_as, awa):
    app = api_as(awa)
    awa.set_unusable_password()
    User.objects.filter(pk=awa.pk).update(password=awa.password)
    response = app.post("/me/email", {"email": "pirate@exemple.ci", "password": ""})
    assert response.status_code == 403
    assert response.json()["code"] == "password_not_set"


def test_the_password_changes_and_only_this_device_stays_signed_in(client, awa):
    other = ApiClient(client, token_for(awa, "Tablette"))
    app = ApiClient(client, token_for(awa, "Téléphone"))
    response = app.post(
        "/me/password", {"password": factories.PASSWORD, "new_password": "Plateau-Vert-2027"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["device"]["name"] == "Téléphone"
    assert User.objects.get(pk=awa.pk).check_password("Plateau-Vert-2027")
    assert app.get("/me").status_code == 401  # the old token went with the old password
    assert other.get("/me").status_code == 401
    assert ApiClient(client, body["token"]).get("/me").status_code == 200
    assert list(DeviceToken.objects.filter(user=awa).values_list("name", flat=True)) == [
        "Téléphone"
    ]
    assert [message.to for message in mail.outbox] == [[awa.email]]  # "your password changed"


def test_a_weak_new_password_is_refused_by_the_websites_rules(api_as, awa):
    response = api_as(awa).post(
        "/me/password", {"password": factories.PASSWORD, "new_password": "12345678"}
    )
    assert response.status_code == 422
    assert "new_password" in response.json()["fields"]
    assert User.objects.get(pk=awa.pk).check_password(factories.PASSWORD)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/notifications"),
        ("patch", "/me/notifications"),
        ("get", "/me/profile"),
        ("patch", "/me/profile"),
        ("post", "/me/email"),
        ("post", "/me/password"),
    ],
)
def test_settings_need_a_token(api, method, path):
    assert getattr(api, method)(path).status_code == 401


def test_notifications_cost_a_fixed_number_of_queries(api_as, awa, django_assert_num_queries):
    app = api_as(awa)
    app.get("/me")  # the token's last use is written once
    # The token, the preferences, the browsers' push subscriptions, then (none there) the
    # apps' FCM registrations.
    with django_assert_num_queries(4):
        assert app.get("/me/notifications").status_code == 200


@pytest.mark.parametrize("persona", ["awa", "yao", "salif", "issa", "aya", "aicha", "mariam"])
def test_every_role_reads_its_own_settings(request, api_as, riviera, twinned, persona):
    user = request.getfixturevalue(persona)
    app = api_as(user)
    notifications = app.get("/me/notifications")
    assert notifications.status_code == 200
    assert {kind["kind"] for kind in notifications.json()["kinds"]} >= {"alert", "townhall"}
    phones = app.get("/me/phones")
    assert phones.status_code == 200
    assert phones.json()["mobile"]["number"] == str(user.mobile)


def test_the_profile_shows_and_changes_through_the_websites_form(api_as, awa):
    app = api_as(awa)
    body = app.get("/me/profile").json()
    assert body["birth_date"] is None and body["photo_url"] is None
    response = app.patch(
        "/me/profile",
        {
            "description": "Couturière au marché",
            "birth_date": "1990-04-12",
            "housing_type": "courtyard",
            "has_guard": True,
        },
    )
    assert response.status_code == 200
    assert response.json()["birth_date"] == "1990-04-12"
    awa.profile.refresh_from_db()
    assert (awa.profile.description, awa.profile.housing_type, awa.profile.has_guard) == (
        "Couturière au marché",
        "courtyard",
        True,
    )
    assert app.patch("/me/profile", {"birth_date": ""}).json()["birth_date"] is None
    assert app.get("/me/profile").json()["description"] == "Couturière au marché"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": "2100-01-01"}, "birth_date"),
        ({"birth_date": "hier"}, "birth_date"),
        ({"description": "x" * 601}, "description"),
        ({"housing_type": "castle"}, "housing_type"),
        ({"has_alarm": "oui"}, "has_alarm"),
    ],
)
def test_the_profile_refuses_what_the_website_refuses(api_as, awa, change, field):
    response = api_as(awa).patch("/me/profile", change)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    awa.profile.refresh_from_db()
    assert (awa.profile.birth_date, awa.profile.description) == (None, "")


HOME = {
    "commune": "cocody",
    "quartier": "Riviera 2",
    "address_details": "Lot 12, îlot 4",
    "landmark": "Derrière la pharmacie",
    "place": {"latitude": 5.3592, "longitude": -3.9612},
}


def test_the_address_shows_and_moves_inside_the_community(api_as, riviera, yao):
    app = api_as(yao)
    assert app.get("/me/home").json()["commune"]["slug"] == "cocody"
    response = app.client.put(
        "/api/v1/me/home",
        HOME,
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )
    assert response.status_code == 200
    assert response.json()["landmark"] == "Derrière la pharmacie"
    yao.home.refresh_from_db()
    assert (yao.home.latitude, yao.home.address_details) == (5.3592, "Lot 12, îlot 4")


def test_a_member_cannot_move_the_pin_out_of_the_community(api_as, riviera, yao):
    app = api_as(yao)
    before = (yao.home.latitude, yao.home.longitude)
    far = {**HOME, "place": {"latitude": 5.3265, "longitude": -4.1060}}
    response = app.client.put(
        "/api/v1/me/home",
        far,
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )
    assert response.status_code == 422
    assert "place" in response.json()["fields"]
    yao.home.refresh_from_db()
    assert (yao.home.latitude, yao.home.longitude) == before


def test_a_first_address_lets_the_member_join(api_as, riviera):
    newcomer = factories.make_user("Fanta", "Diallo")
    app = api_as(newcomer)
    assert app.get("/me/home").status_code == 404
    headers = {"Authorization": f"Bearer {app.token}"}
    response = app.client.put(
        "/api/v1/me/home", HOME, content_type="application/json", headers=headers
    )
    assert response.status_code == 200
    assert app.post("/community/join", {}).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commune": "atlantide"}, "commune"),
        ({"quartier": ""}, "quartier"),
        ({"place": {"latitude": 95, "longitude": 0}}, "place"),
    ],
)
def test_a_bad_address_is_refused(api_as, issa, change, field):
    app = api_as(issa)
    response = app.client.put(
        "/api/v1/me/home",
        {**HOME, **change},
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )
    assert response.status_code == 422
    assert field in response.json()["fields"] or "latitude" in response.json()["fields"]
    issa.home.refresh_from_db()
    assert issa.home.commune.slug == "yopougon"
