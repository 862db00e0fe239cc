"""Staff see members' personal data: one log-in for everyone, with its rate limits, and a
second factor (an authenticator app's code, or a recovery code) for staff."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from tests import factories

LOGIN = reverse("account_login")
AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE = reverse("mfa_activate_totp")


def log_in_with_password(client, email="mariam.bamba@monquartier.ci"):
    return client.post(LOGIN, {"login": email, "password": factories.PASSWORD})


def test_a_staff_log_in_asks_for_the_code_and_refuses_a_wrong_one(client, mariam):
    assert log_in_with_password(client)["Location"] == AUTHENTICATE
    response = client.post(AUTHENTICATE, {"code": "000000"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_a_staff_log_in_with_the_code_opens_the_admin(client, mariam):
    log_in_with_password(client)
    response = client.post(AUTHENTICATE, {"code": factories.totp_code()})
    assert response.wsgi_request.user == mariam
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_replaces_the_app_once(client, mariam):
    code = RecoveryCodes.activate(mariam).get_unused_codes()[0]
    log_in_with_password(client)
    client.post(AUTHENTICATE, {"code": code})
    assert client.get("/admin/").status_code == 200
    client.post(reverse("account_logout"))
    log_in_with_password(client)
    assert not client.post(AUTHENTICATE, {"code": code}).wsgi_request.user.is_authenticated


def test_a_staff_session_without_the_code_is_closed(client, mariam):
    # A session from before the second factor, or made around the log-in form.
    client.force_login(mariam)
    response = client.get("/admin/")
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"
    assert not client.get(LOGIN).wsgi_request.user.is_authenticated


@pytest.mark.parametrize("page", ["/admin/", "/dev/boite-d-envoi/", "/"])
def test_staff_without_a_second_factor_can_only_set_one_up(client, db, page):
    factories.make_user(email="ibrahim@monquartier.ci", is_staff=True, with_second_factor=False)
    log_in_with_password(client, "ibrahim@monquartier.ci")
    assert client.get(page)["Location"] == ACTIVATE


@pytest.mark.django_db(transaction=True)
def test_staff_set_up_the_app_then_use_the_admin(client):
    staff = factories.make_user(
        email="ibrahim@monquartier.ci", is_staff=True, with_second_factor=False
    )
    log_in_with_password(client, "ibrahim@monquartier.ci")
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(ACTIVATE, {"code": factories.totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with it.
    assert Authenticator.objects.filter(user=staff, type="recovery_codes").exists()
    assert client.get("/admin/").status_code == 200


def test_the_admin_log_in_form_leads_to_the_one_log_in_and_its_limits(client, mariam):
    # Its own form would check passwords without any limit: it only sends to ours.
    response = client.post(
        reverse("admin:login"),
        {"username": "mariam.bamba@monquartier.ci", "password": factories.PASSWORD},
    )
    assert response["Location"].startswith(LOGIN)
    assert not response.wsgi_request.user.is_authenticated
    for _ in range(5):
        client.post(LOGIN, {"login": "mariam.bamba@monquartier.ci", "password": "mauvais"})
    response = log_in_with_password(client)
    assert "Trop de tentatives" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_staff_find_their_second_factor_and_recovery_codes_in_the_settings(client, mariam):
    factories.log_in(client, mariam)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("mfa_index") in page
    assert client.get(reverse("mfa_index")).status_code == 200
