"""Rate limits on guessing and on sending: log-in, password reset and SMS codes.

(The basic cases are beside their features: five wrong passwords in test_login.py, three
resets in test_login.py, five wrong SMS codes in test_signup.py.)
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.adapter import AccountAdapter
from monquartier.accounts.models import User
from monquartier.outbox.models import TextMessage, TextPurpose
from tests import factories
from tests.accounts.test_signup import (
    SIGNUP,
    VERIFY_PHONE,
    confirmation_link,
    sign_up,
    signup_data,
    sms_code,
)

LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")
TOO_MANY = "Trop de demandes"

pytestmark = pytest.mark.django_db


def log_in(client, email, password, **request):
    response = client.post(LOGIN, {"login": email, "password": password}, **request)
    return response.wsgi_request.user.is_authenticated, response.content.decode()


def test_the_log_in_lock_passes_after_five_minutes(client, awa):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            log_in(client, "awa.kone@exemple.ci", "mauvais")
        traveller.shift(4 * 60)
        logged_in, page = log_in(client, "awa.kone@exemple.ci", factories.PASSWORD)
        assert not logged_in and "Trop de tentatives" in page
        traveller.shift(61)
        assert log_in(client, "awa.kone@exemple.ci", factories.PASSWORD)[0]


def test_ten_failures_from_one_address_lock_it_out_but_not_other_visitors(client, settings, awa):
    # As in production: one proxy in front, which appends the address it sees.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for attempt in range(10):
        # What the visitor writes in X-Forwarded-For themselves changes nothing.
        forwarded = f"10.0.0.{attempt}, 203.0.113.5"
        log_in(client, f"voisin{attempt}@exemple.ci", "mauvais", HTTP_X_FORWARDED_FOR=forwarded)
    logged_in, page = log_in(
        client, "awa.kone@exemple.ci", factories.PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert not logged_in and "Trop de tentatives" in page
    # Someone else behind the same proxy logs in.
    assert log_in(
        Client(), "awa.kone@exemple.ci", factories.PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )[0]


def test_password_reset_requests_from_one_address_are_limited(client):
    for number in range(10):
        assert client.post(RESET, {"email": f"voisin{number}@exemple.ci"}).status_code == 302
    response = client.post(RESET, {"email": "encore.un@exemple.ci"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()


def test_a_new_code_is_refused_within_30_seconds_of_the_last(client, sms_outbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_up(client)
        response = client.post(VERIFY_PHONE, {"action": "resend"}, follow=True)
        assert "Soyez patient" in response.content.decode()
        assert len(sms_outbox) == 1
        traveller.shift(31)
        client.post(VERIFY_PHONE, {"action": "resend"})
        assert len(sms_outbox) == 2
        # The new code is the one that works.
        client.post(VERIFY_PHONE, {"action": "verify", "code": sms_code(sms_outbox)})
    assert User.objects.get(emailaddress__email="adjoua.konan@exemple.ci").mobile_verified


def test_no_more_than_three_new_codes_per_verification(client, sms_outbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_up(client)
        for _ in range(3):
            traveller.shift(61)
            client.post(VERIFY_PHONE, {"action": "resend"})
        assert len(sms_outbox) == 4
        page = client.get(VERIFY_PHONE).content.decode()
        assert "Recevoir un nouveau code" not in page
        traveller.shift(61)
        client.post(VERIFY_PHONE, {"action": "resend"})
    assert len(sms_outbox) == 4


def test_a_second_tap_on_send_me_a_code_gets_the_too_many_requests_page(client, sms_outbox):
    member = factories.make_user(mobile_verified=False)
    factories.log_in(client, member)
    assert client.post(reverse("account_change_phone"), {"action": "verify"}).status_code == 302
    response = client.post(reverse("account_change_phone"), {"action": "verify"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert len(sms_outbox) == 1


def test_sign_up_codes_from_one_address_are_limited_and_the_account_still_logs_in(sms_outbox):
    for number in range(4):
        visitor = Client()
        response = visitor.post(
            SIGNUP, signup_data(email=f"voisin{number}@exemple.ci", phone=f"07 07 12 34 5{number}")
        )
    # Three SMS a minute from one address: the fourth is not sent, and says why.
    assert len(sms_outbox) == 3
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    # Its e-mail link left before: once confirmed, the member logs in, and asks for a
    # code later.
    visitor.post(confirmation_link())
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        assert log_in(Client(), "voisin3@exemple.ci", "Maquis-Sous-Les-Manguiers")[0]
    assert User.objects.get(email="voisin3@exemple.ci").mobile_verified is False


def test_verification_codes_are_counted_and_capped_per_account_and_per_number(awa, yao, sms_outbox):
    adapter = AccountAdapter()
    number = "+2250707000001"
    for _attempt in range(6):
        adapter.send_verification_code_sms(awa, number, "123456")
    # Five a day for one account: the sixth is not sent.
    assert len(sms_outbox) == 5
    assert TextMessage.objects.filter(purpose=TextPurpose.CODE, account=awa).count() == 5
    # Another account cannot go on sending to the same number either.
    adapter.send_verification_code_sms(yao, number, "123456")
    assert len(sms_outbox) == 5
    # A day later the member can have a code again.
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        adapter.send_verification_code_sms(awa, number, "123456")
    assert len(sms_outbox) == 6
