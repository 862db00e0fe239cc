import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from tests import factories

SIGNUP = reverse("account_signup")
VERIFY_PHONE = reverse("account_verify_phone")
WAITING = reverse("accounts:waiting_email")
CORRECT = reverse("accounts:correct_waiting_email")

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


def sign_up(client, **overrides):
    """Sign up: the e-mail link leaves, and the SMS code is asked at once."""
    response = client.post(SIGNUP, signup_data(**overrides))
    assert response["Location"] == VERIFY_PHONE
    return response


def test_sign_up_sends_the_email_link_and_asks_for_the_sms_code_at_once(client, sms_outbox):
    sign_up(client)
    user = User.objects.get(emailaddress__email="adjoua.konan@exemple.ci")
    assert (user.first_name, user.last_name) == ("Adjoua", "Konan")
    assert str(user.mobile) == "+2250707123456"
    assert user.mobile_verified is False
    assert user.profile is not None
    # The address is the account's once confirmed: nothing else is sent to it before.
    assert user.email is None
    assert [message.to for message in mail.outbox] == [["adjoua.konan@exemple.ci"]]
    assert [message.to for message in sms_outbox] == ["+2250707123456"]
    # Not logged in until the SMS code.
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_the_sms_code_logs_in_while_the_email_waits_then_the_link_confirms_it(client, sms_outbox):
    sign_up(client)
    response = client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    assert response["Location"] == "/"
    user = User.objects.get(emailaddress__email="adjoua.konan@exemple.ci")
    assert user.mobile_verified is True
    # The next step (the home address) does not wait for the e-mail.
    page = client.get("/").content.decode()
    assert "pas encore confirmée" in page
    assert client.get(reverse("accounts:home")).status_code == 200

    client.post(confirmation_link())
    user.refresh_from_db()
    assert user.email == "adjoua.konan@exemple.ci"
    assert user.emailaddress_set.get().verified is True


def test_a_later_log_in_waits_for_the_email_link(client, sms_outbox):
    sign_up(client)
    client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"),
        {"login": "adjoua.konan@exemple.ci", "password": "Maquis-Sous-Les-Manguiers"},
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not response.wsgi_request.user.is_authenticated


def test_the_email_is_sent_again_but_not_twice_in_three_minutes(client, sms_outbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_up(client)
        client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
        page = client.post(WAITING, follow=True).content.decode()
        assert "moins de 3 minutes" in page
        assert len(mail.outbox) == 1
        traveller.shift(181)
        page = client.post(WAITING, follow=True).content.decode()
        assert "envoyé" in page
        assert [message.to for message in mail.outbox] == [["adjoua.konan@exemple.ci"]] * 2


def test_a_mistyped_address_is_corrected_and_only_the_right_one_confirms(client, sms_outbox):
    sign_up(client, email="adjoua.konan@exemple.cii")
    client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    wrong_link = confirmation_link()
    response = client.post(CORRECT, {"email": "pas une adresse"})
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    client.post(CORRECT, {"email": "adjoua.konan@exemple.ci"})
    assert mail.outbox[-1].to == ["adjoua.konan@exemple.ci"]
    assert "exemple.ci</strong>" in client.get(WAITING).content.decode()
    client.post(wrong_link)
    user = User.objects.get(emailaddress__email="adjoua.konan@exemple.ci")
    assert user.email is None
    client.post(confirmation_link())
    user.refresh_from_db()
    assert user.email == "adjoua.konan@exemple.ci"


def test_the_confirmation_email_has_text_and_html_parts_in_french(client):
    client.post(SIGNUP, signup_data())
    message = mail.outbox[0]
    assert message.subject == "[MonQuartier] Confirmez votre adresse e-mail"
    assert "Bonjour Adjoua," in message.body
    html = {mimetype: content for content, mimetype in message.alternatives}["text/html"]
    assert "Confirmer mon adresse" in html


def test_a_wrong_code_five_times_ends_the_verification_without_verifying(client, sms_outbox):
    sign_up(client)
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
    assert User.objects.get(emailaddress__email="adjoua.konan@exemple.ci").mobile_verified is False


def test_an_expired_code_is_refused(client, sms_outbox):
    sign_up(client)
    code = sms_code(sms_outbox)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        client.post(VERIFY_PHONE, {"action": "verify", "code": code})
    assert User.objects.get(emailaddress__email="adjoua.konan@exemple.ci").mobile_verified is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "07070707", "10 chiffres"),
        ("phone", "0707", "trop court"),
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


def sign_up_and_wait(client, sms_outbox, email: str, phone: str, corrected: str) -> list[str]:
    """What a visitor sees from the sign-up to the e-mail page and its correction: the
    pages' texts without the addresses, the number and the security token."""
    pages = []

    def keep(response):
        text = re.sub(
            r'value="[^"]*"|"X-CSRFToken": "[^"]*"|\S+@exemple\.ci|\+225\d{10}',
            "",
            response.content.decode(),
            flags=re.IGNORECASE,
        )
        pages.append(text.replace(phone, "") + str(getattr(response, "redirect_chain", "")))

    keep(client.post(SIGNUP, signup_data(email=email, phone=phone), follow=True))
    code = sms_code(sms_outbox)
    keep(client.post(VERIFY_PHONE, {"action": "verify", "code": code}, follow=True))
    keep(client.get(WAITING))
    keep(client.post(CORRECT, {"email": corrected}, follow=True))
    return pages


def test_a_sign_up_with_an_address_that_has_an_account_looks_the_same(client, sms_outbox, settings):
    owner = factories.make_user("Adjoua", "Konan", email="adjoua.konan@exemple.ci")
    taken = sign_up_and_wait(
        client, sms_outbox, "Adjoua.Konan@Exemple.ci", "07 07 12 34 51", "a.1@exemple.ci"
    )
    new = sign_up_and_wait(
        Client(), sms_outbox, "adjoua.neuve@exemple.ci", "07 07 12 34 52", "a.2@exemple.ci"
    )
    assert new == taken
    # The owner of the address learns that someone tried, with a way back in; their
    # account is untouched, and the new one does not have the address.
    assert mail.outbox[0].to == ["adjoua.konan@exemple.ci"]
    assert "déjà" in mail.outbox[0].subject
    assert User.objects.get(pk=owner.pk).email == "adjoua.konan@exemple.ci"
    assert not User.objects.filter(emailaddress__email="adjoua.konan@exemple.ci").exclude(
        pk=owner.pk
    )


def test_the_duplicate_sign_up_email_names_the_address(client, db):
    factories.make_user("Adjoua", "Konan", email="adjoua.konan@exemple.ci")
    client.post(SIGNUP, signup_data(first_name="Autre"))

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "avec l'adresse adjoua.konan@exemple.ci." in body.replace("&#x27;", "'")


def test_two_accounts_may_share_one_mobile_and_the_second_is_told(client, sms_outbox):
    factories.make_user("Adjoua", "Konan", mobile="+2250707123456")
    sign_up(client, email="adjoua.residence2@exemple.ci")
    response = client.post(
        VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)}, follow=True
    )
    assert "sert aussi à un autre compte" in response.content.decode()
    assert User.objects.get(emailaddress__email="adjoua.residence2@exemple.ci").mobile_verified


def test_a_new_number_is_not_said_to_be_shared(client, sms_outbox):
    sign_up(client)
    response = client.post(
        VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)}, follow=True
    )
    assert "sert aussi" not in response.content.decode()


def test_a_foreign_number_is_accepted_and_the_member_told_sms_may_not_arrive(client, sms_outbox):
    response = client.post(SIGNUP, signup_data(phone="+33 6 12 34 56 78"), follow=True)
    assert response.redirect_chain[-1][0] == VERIFY_PHONE
    assert "numéro étranger" in response.content.decode()
    assert [message.to for message in sms_outbox] == ["+33612345678"]
