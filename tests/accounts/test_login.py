import re

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from tests import factories

LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")


def test_log_in_by_email_and_password_then_log_out(client, awa):
    response = client.post(LOGIN, {"login": "AWA.KONE@exemple.ci", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, awa):
    response = client.post(LOGIN, {"login": "awa.kone@exemple.ci", "password": "mauvais"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.wsgi_request.user.is_authenticated


def test_log_in_is_rate_limited_after_five_failures_for_one_address(client, awa):
    for _ in range(5):
        client.post(LOGIN, {"login": "awa.kone@exemple.ci", "password": "mauvais"})
    # Even the right password is refused for a while.
    response = client.post(LOGIN, {"login": "awa.kone@exemple.ci", "password": factories.PASSWORD})
    assert not response.wsgi_request.user.is_authenticated
    assert "Trop de tentatives" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_production_settings():
    import monquartier.settings as project_settings

    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_the_stored_password_is_never_the_password(awa):
    assert factories.PASSWORD not in User.objects.get(pk=awa.pk).password


def reset_link() -> str:
    return re.search(
        r"http://testserver(/compte/password/reset/key/\S+/)", mail.outbox[-1].body
    ).group(1)


def test_password_reset_by_a_time_limited_link(client, awa):
    response = client.post(RESET, {"email": "awa.kone@exemple.ci"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["awa.kone@exemple.ci"]
    link = reset_link()
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url,
        {"password1": "Nouveau-Depart-Au-Plateau", "password2": "Nouveau-Depart-Au-Plateau"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=awa.pk).check_password("Nouveau-Depart-Au-Plateau")
    # The link served once.
    assert "ne marche plus" in client.get(link, follow=True).content.decode()


def test_an_expired_reset_link_is_refused_and_offers_a_new_one(client, awa):
    client.post(RESET, {"email": "awa.kone@exemple.ci"})
    link = reset_link()
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=3)):
        response = client.get(link, follow=True)
        page = response.content.decode()
        assert "ne marche plus" in page
        assert reverse("account_reset_password") in page
    assert User.objects.get(pk=awa.pk).check_password(factories.PASSWORD)


def test_a_reset_for_an_unknown_address_reads_the_same_and_sends_no_link(client, db):
    response = client.post(RESET, {"email": "personne@exemple.ci"})
    assert response.status_code == 302
    assert all("password/reset/key" not in message.body for message in mail.outbox)
    assert "pour l'adresse personne@exemple.ci," in mail.outbox[0].body


def test_password_reset_is_rate_limited(client, awa):
    for _ in range(3):
        client.post(RESET, {"email": "awa.kone@exemple.ci"})
    sent = len(mail.outbox)
    response = client.post(RESET, {"email": "awa.kone@exemple.ci"})
    assert len(mail.outbox) == sent
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()


def test_password_change_needs_the_old_password(awa_client, awa):
    url = reverse("account_change_password")
    response = awa_client.post(
        url,
        {
            "oldpassword": "faux",
            "password1": "Encore-Un-Autre-2026",
            "password2": "Encore-Un-Autre-2026",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    response = awa_client.post(
        url,
        {
            "oldpassword": factories.PASSWORD,
            "password1": "Encore-Un-Autre-2026",
            "password2": "Encore-Un-Autre-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=awa.pk).check_password("Encore-Un-Autre-2026")
    # The member is told by e-mail, in case it was not them.
    assert "mot de passe a changé" in mail.outbox[-1].subject


def test_changing_the_email_keeps_the_old_one_until_the_new_is_confirmed(awa_client, awa):
    response = awa_client.post(
        reverse("account_email"), {"action_add": "", "email": "awa.nouvelle@exemple.ci"}
    )
    assert response.status_code == 302
    awa.refresh_from_db()
    assert awa.email == "awa.kone@exemple.ci"
    link = re.search(r"http://testserver(/compte/confirm-email/\S+/)", mail.outbox[-1].body).group(
        1
    )
    assert mail.outbox[-1].to == ["awa.nouvelle@exemple.ci"]
    awa_client.post(link)
    awa.refresh_from_db()
    assert awa.email == "awa.nouvelle@exemple.ci"
