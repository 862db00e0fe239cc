import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from tests import factories

SIGNUP = reverse("account_signup")
VERIFY_PHONE = reverse("account_verify_phone")

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "first_name": "Adjoua",
        "last_name": "Konan",
        "email": "adjoua.konan@exemple.ci",
        "phone": "07 07 12 34 56",
        "password1": "Maquis-Sous-Les-Manguiers",
        "password2": "Maquis-Sous-Les-Manguiers",
        "accept_charter": "on",
    }
    data.update(overrides)
    return data


def sms_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def confirmation_link() -> str:
    return re.search(r"http://testserver(/compte/confirm-email/\S+/)", mail.outbox[-1].body).group(
        1
    )


def sign_up_and_confirm_email(client, **overrides):
    """Sign up, then follow the e-mail link: the SMS code is asked next."""
    client.post(SIGNUP, signup_data(**overrides))
    response = client.post(confirmation_link())
    assert response["Location"] == VERIFY_PHONE
    return response


def test_sign_up_creates_the_account_and_sends_the_email_link(client, sms_outbox):
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="adjoua.konan@exemple.ci")
    assert (user.first_name, user.last_name) == ("Adjoua", "Konan")
    assert str(user.mobile) == "+2250707123456"
    assert user.mobile_verified is False
    assert user.profile is not None
    assert [message.to for message in mail.outbox] == [["adjoua.konan@exemple.ci"]]
    # Not logged in until the e-mail is confirmed.
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_the_email_link_then_the_sms_code_verify_both_and_log_in(client, sms_outbox):
    client.post(SIGNUP, signup_data())
    link = confirmation_link()
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response["Location"] == VERIFY_PHONE
    user = User.objects.get(email="adjoua.konan@exemple.ci")
    assert user.emailaddress_set.get().verified is True
    assert [message.to for message in sms_outbox] == ["+2250707123456"]

    response = client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified is True
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_the_confirmation_email_has_text_and_html_parts_in_french(client):
    client.post(SIGNUP, signup_data())
    message = mail.outbox[0]
    assert message.subject == "[MonQuartier] Confirmez votre adresse e-mail"
    assert "Bonjour Adjoua," in message.body
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    assert "Confirmer mon adresse" in html


def test_a_wrong_code_five_times_ends_the_verification_without_verifying(client, sms_outbox):
    sign_up_and_confirm_email(client)
    good = sms_code(sms_outbox)
    wrong = "000000" if good != "000000" else "111111"
    for attempt in range(4):
        response = client.post(VERIFY_PHONE, {"action": "verify", "code": wrong})
        assert response.status_code == 200, attempt
        assert "aria-invalid" in response.content.decode()
    response = client.post(VERIFY_PHONE, {"action": "verify", "code": wrong})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    # The good code no longer works either: the attempt is over.
    response = client.post(VERIFY_PHONE, {"action": "verify", "code": good})
    assert response.status_code == 302
    assert User.objects.get(email="adjoua.konan@exemple.ci").mobile_verified is False


def test_an_expired_code_is_refused(client, sms_outbox):
    sign_up_and_confirm_email(client)
    code = sms_code(sms_outbox)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        client.post(VERIFY_PHONE, {"action": "verify", "code": code})
    assert User.objects.get(email="adjoua.konan@exemple.ci").mobile_verified is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "07070707", "10 chiffres"),
        ("phone", "27 22 44 55 66", "fixe"),
        ("phone", "bonjour", "chiffres"),
        ("email", "pas-une-adresse", "adresse de courriel valide"),
        ("first_name", "", "obligatoire"),
        ("last_name", "K0né", "chiffres"),
        ("last_name", "Koné www.gagnez", "lien"),
        ("first_name", "gagnez.com", "lien"),
        ("accept_charter", "", "charte"),
    ],
)
def test_bad_sign_up_input_gets_a_message_next_to_the_field_and_creates_nothing(
    client, sms_outbox, field, value, message
):
    response = client.post(SIGNUP, signup_data(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not User.objects.exists()
    assert sms_outbox == []


@pytest.mark.parametrize("password", ["12345678", "password", "azerty", "Adjoua"])
def test_a_weak_password_is_refused(client, password):
    response = client.post(SIGNUP, signup_data(password1=password, password2=password))
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()


def test_mismatched_passwords_are_refused(client):
    response = client.post(SIGNUP, signup_data(password2="Autre-Chose-Encore-2026"))
    assert response.context["form"].errors
    assert not User.objects.exists()


def test_a_duplicate_email_creates_no_second_account_and_warns_the_owner(client, sms_outbox):
    owner = factories.make_user("Adjoua", "Konan", email="adjoua.konan@exemple.ci")
    response = client.post(SIGNUP, signup_data(email="Adjoua.Konan@Exemple.ci", first_name="Autre"))
    # No enumeration: the page reads the same as for a new address…
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert User.objects.get().pk == owner.pk
    # …and the owner of the address learns that someone tried, with a way back in.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["adjoua.konan@exemple.ci"]
    assert "déjà" in mail.outbox[0].subject
    assert sms_outbox == []


def test_the_duplicate_sign_up_email_names_the_address(client, db):
    factories.make_user("Adjoua", "Konan", email="adjoua.konan@exemple.ci")
    client.post(SIGNUP, signup_data(first_name="Autre"))

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "avec l'adresse adjoua.konan@exemple.ci." in body.replace("&#x27;", "'")


def test_two_accounts_may_share_one_mobile_for_a_second_residence(client, sms_outbox):
    factories.make_user("Adjoua", "Konan", mobile="+2250707123456")
    sign_up_and_confirm_email(client, email="adjoua.residence2@exemple.ci")
    client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    assert User.objects.get(email="adjoua.residence2@exemple.ci").mobile_verified is True
