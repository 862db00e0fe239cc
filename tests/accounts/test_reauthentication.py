"""A session opened by a link in an e-mail (a forwarded alert, a shared phone) reads the
item; it cannot take the account over: e-mail, password, phones and closing the account
need the password typed in this session (accounts/reauthentication.py)."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.notifications.links import signed_path
from tests import factories

REAUTHENTICATE = reverse("account_reauthenticate")
NEW_EMAIL = {"action_add": "", "email": "pirate@exemple.ci"}


@pytest.fixture
def forwarded(client, awa):
    """Someone who opened the link of an e-mail sent to Awa."""
    client.get(signed_path(awa, "/"))
    assert client.get(reverse("accounts:settings")).status_code == 200
    return client


def test_a_forwarded_link_cannot_change_the_email(forwarded, awa):
    response = forwarded.post(reverse("account_email"), NEW_EMAIL)
    assert response["Location"].startswith(REAUTHENTICATE)
    assert not EmailAddress.objects.filter(email="pirate@exemple.ci").exists()
    assert mail.outbox == []


def test_a_forwarded_link_cannot_change_the_password(forwarded, awa):
    response = forwarded.post(
        reverse("account_change_password"),
        {"oldpassword": "", "password1": "Pris-Par-Un-Autre-1", "password2": "Pris-Par-Un-Autre-1"},
    )
    assert response.status_code == 200
    assert User.objects.get(pk=awa.pk).check_password(factories.PASSWORD)


def test_a_forwarded_link_cannot_change_the_phones(forwarded, awa, sms_outbox):
    response = forwarded.post(reverse("account_change_phone"), {"phone": "05 05 12 34 56"})
    assert response["Location"].startswith(REAUTHENTICATE)
    response = forwarded.post(reverse("accounts:phones"), {"landline": "27 22 44 55 66"})
    assert response["Location"].startswith(REAUTHENTICATE)
    fresh = User.objects.get(pk=awa.pk)
    assert (fresh.mobile, fresh.landline) == (awa.mobile, "")
    assert sms_outbox == []


def test_a_forwarded_link_cannot_close_the_account(forwarded, awa):
    response = forwarded.post(reverse("accounts:close"), {"password": "", "confirm": "on"})
    assert response.status_code == 200
    assert not User.objects.get(pk=awa.pk).is_closed


def test_with_the_password_typed_again_the_change_goes_through(forwarded, awa):
    response = forwarded.post(reverse("account_email"), NEW_EMAIL, follow=True)
    assert "saisissez à nouveau votre mot de passe" in response.content.decode()
    forwarded.post(response.redirect_chain[-1][0], {"password": factories.PASSWORD})
    # The change asked for before is the one made.
    assert EmailAddress.objects.filter(user=awa, email="pirate@exemple.ci").exists()


def test_a_password_typed_at_log_in_is_enough_for_a_quarter_of_an_hour(client, awa):
    client.post(reverse("account_login"), {"login": awa.email, "password": factories.PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(reverse("accounts:phones"), {"landline": "27 22 44 55 66"})
        assert response["Location"].startswith(REAUTHENTICATE)
    response = client.post(reverse("accounts:phones"), {"landline": "27 22 44 55 66"})
    assert response["Location"] == reverse("accounts:phones")


def test_an_account_without_password_opened_by_a_link_is_sent_to_the_reset(client, awa):
    awa.set_unusable_password()
    awa.save()
    client.get(signed_path(awa, "/"))
    for page in ("account_set_password", "account_email", "account_change_phone"):
        response = client.post(reverse(page), NEW_EMAIL, follow=True)
        assert response.redirect_chain[-1][0] == reverse("account_reset_password")
        assert "Demandez un lien ci-dessous" in response.content.decode()
    assert not EmailAddress.objects.filter(email="pirate@exemple.ci").exists()
    assert not User.objects.get(pk=awa.pk).has_usable_password()
