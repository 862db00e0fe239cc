import hashlib

import pytest
from allauth.account.forms import ChangePasswordForm

from monquartier.accounts import services as account_services
from monquartier.accounts.models import DeviceToken
from tests import factories
from tests.api.conftest import ApiClient, token_for
from tests.factories import PASSWORD, log_in, totp_code

pytestmark = pytest.mark.django_db


def sign_in(api, email, password=PASSWORD, **extra):
    return api.post(
        "/auth/token", {"email": email, "password": password, "device_name": "Tecno Spark", **extra}
    )


def test_member_signs_in_and_the_token_works(api, client, awa):
    response = sign_in(api, "Awa.Kone@exemple.ci")
    assert response.status_code == 201
    body = response.json()
    assert body["device"]["name"] == "Tecno Spark"
    me = ApiClient(client, body["token"]).get("/me")
    assert me.status_code == 200
    assert me.json()["email"] == "awa.kone@exemple.ci"


def test_the_token_is_stored_hashed(api, awa):
    secret = sign_in(api, awa.email).json()["token"]
    stored = DeviceToken.objects.get(user=awa)
    assert len(secret) >= 43  # 32 random bytes
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.token_hash, stored.name}


def test_wrong_password_is_a_401_in_french(api, awa):
    response = sign_in(api, awa.email, password="mauvais-mot-de-passe")
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "L'adresse e-mail ou le mot de passe est incorrect.",
        "fields": {},
    }
    assert not DeviceToken.objects.exists()


def test_failed_sign_ins_share_the_websites_limit(api, client, awa):
    # ACCOUNT_RATE_LIMITS: 5 failures per e-mail in 5 minutes, web and app together.
    for _attempt in range(3):
        client.post("/compte/login/", {"login": awa.email, "password": "non"})
    for _attempt in range(2):
        assert sign_in(api, awa.email, password="non").status_code == 401
    response = sign_in(api, awa.email)  # even the right password, now
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"


def test_unconfirmed_email_cannot_sign_in(api, db):
    user = factories.make_user("Ali", "Sanogo", verified_email=False)
    response = sign_in(api, user.email)
    assert response.status_code == 403
    assert response.json()["code"] == "email_unconfirmed"


def test_suspended_account_cannot_sign_in(api, awa):
    account_services.suspend_account(awa)
    response = sign_in(api, awa.email)
    assert response.status_code == 403
    assert response.json()["code"] == "account_inactive"
    assert not DeviceToken.objects.exists()


def test_staff_needs_the_second_factor(api, mariam):
    response = sign_in(api, mariam.email)
    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"
    assert sign_in(api, mariam.email, code="000000").json()["code"] == "second_factor_invalid"
    assert not DeviceToken.objects.exists()
    assert sign_in(api, mariam.email, code=totp_code()).status_code == 201


def test_town_hall_agent_needs_the_second_factor(api, aicha):
    assert sign_in(api, aicha.email).json()["code"] == "second_factor_required"
    assert sign_in(api, aicha.email, code=totp_code()).status_code == 201


def test_staff_without_an_authenticator_is_told_to_set_it_up(api, db):
    staff = factories.make_user("Eric", "Zadi", is_staff=True, with_second_factor=False)
    response = sign_in(api, staff.email, code="123456")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_not_set_up"


def test_device_name_is_required(api, awa):
    response = sign_in(api, awa.email, device_name="   ")
    assert response.status_code == 422
    assert response.json()["fields"] == {"device_name": ["Donnez un nom à cet appareil."]}


def test_no_endpoint_without_a_token(api, riviera):
    for path in ["/me", "/alerts", "/alerts/1", "/auth/tokens"]:
        response = api.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert api.post("/alerts", {"category": "theft", "text": "Vol"}).status_code == 401


def test_a_session_cookie_is_not_a_token(api, client, awa, riviera):
    log_in(client, awa)
    assert api.get("/me").status_code == 401
    assert api.get("/alerts").status_code == 401


def test_no_csrf_token_needed(client, awa, riviera):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = ApiClient(strict, token_for(awa)).post(
        "/alerts", {"category": "theft", "text": "Une moto volée devant la pharmacie"}
    )
    assert response.status_code == 201


def test_garbage_tokens_are_refused(client, awa):
    for header in ["Bearer", "Bearer x", f"Bearer {'a' * 5000}", "Basic dXNlcjpwYXNz", "Token abc"]:
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_password_change_revokes_the_tokens(client, awa):
    app = ApiClient(client, token_for(awa))
    log_in(client, awa)
    response = client.post(
        "/compte/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "Nouveau-Mot-2026!",
            "password2": "Nouveau-Mot-2026!",
        },
    )
    assert response.status_code == 302
    assert not DeviceToken.objects.filter(user=awa).exists()
    client.logout()
    assert app.get("/me").status_code == 401
    assert ChangePasswordForm  # allauth's own page did it


def test_any_set_password_revokes_the_tokens(awa):
    token_for(awa)
    awa.set_password("Encore-Un-Autre-2026")
    awa.save()
    assert not DeviceToken.objects.filter(user=awa).exists()


def test_saving_without_a_new_password_keeps_the_tokens(awa):
    token_for(awa)
    awa.pseudonym = "Awa la référente"
    awa.save()
    assert DeviceToken.objects.filter(user=awa).exists()


def test_closing_the_account_revokes_the_tokens(client, awa):
    app = ApiClient(client, token_for(awa))
    account_services.close_account(awa)
    assert not DeviceToken.objects.filter(user=awa).exists()
    assert app.get("/me").status_code == 401


def test_suspension_revokes_the_tokens(client, awa):
    app = ApiClient(client, token_for(awa))
    account_services.suspend_account(awa)
    assert app.get("/me").status_code == 401


def test_devices_listed_and_revoked_through_the_api(client, awa, yao):
    phone = ApiClient(client, token_for(awa, "Téléphone"))
    tablet_secret = token_for(awa, "Tablette")
    token_for(yao, "Celui de Yao")
    listed = phone.get("/auth/tokens").json()
    assert [device["name"] for device in listed] == ["Tablette", "Téléphone"]
    yaos = DeviceToken.objects.get(user=yao)
    assert phone.delete(f"/auth/tokens/{yaos.pk}").status_code == 404  # not hers
    tablet = DeviceToken.objects.for_secret(tablet_secret).get()
    assert phone.delete(f"/auth/tokens/{tablet.pk}").status_code == 204
    assert ApiClient(client, tablet_secret).get("/me").status_code == 401
    assert phone.delete("/auth/token").status_code == 204  # signs itself out
    assert phone.get("/me").status_code == 401
    assert DeviceToken.objects.filter(user=yao).exists()


def test_tokens_per_account_are_capped(awa):
    for number in range(account_services.DEVICE_TOKENS_PER_ACCOUNT + 3):
        token_for(awa, f"Appareil {number}")
    assert (
        DeviceToken.objects.filter(user=awa).count() == account_services.DEVICE_TOKENS_PER_ACCOUNT
    )
    assert DeviceToken.objects.filter(user=awa, name="Appareil 0").exists() is False


def test_last_use_is_recorded_without_a_write_per_request(client, awa, django_assert_num_queries):
    app = ApiClient(client, token_for(awa))
    app.get("/auth/tokens")
    assert DeviceToken.objects.get(user=awa).last_used_at is not None
    with django_assert_num_queries(2):  # the token with its user, the list
        app.get("/auth/tokens")


def test_devices_page_in_settings_lists_and_revokes(client, awa, yao):
    token_for(awa, "Itel A70")
    token_for(yao, "Le téléphone de Yao")
    log_in(client, awa)
    page = client.get("/parametres/appareils/")
    assert page.status_code == 200
    assert "Itel A70" in page.text
    assert "Le téléphone de Yao" not in page.text
    assert "Appareils connectés" in client.get("/parametres/").text
    yaos = DeviceToken.objects.get(user=yao)
    client.post(f"/parametres/appareils/{yaos.pk}/deconnecter/")
    assert DeviceToken.objects.filter(user=yao).exists()
    awas = DeviceToken.objects.get(user=awa)
    response = client.post(f"/parametres/appareils/{awas.pk}/deconnecter/")
    assert response.status_code == 302
    assert not DeviceToken.objects.filter(user=awa).exists()


def test_a_staff_session_without_its_code_does_not_redirect_the_api(client, mariam):
    client.force_login(mariam)  # a session with no second factor typed
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert ApiClient(client, token_for(mariam)).get("/me").status_code == 200
