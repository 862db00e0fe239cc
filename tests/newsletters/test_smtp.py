"""A newsletter through a real SMTP server: the RFC 8058 headers arrive, each member's
own, and the URL they carry unsubscribes in one POST."""

import email
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from django.test import Client

from monquartier.accounts.models import User
from monquartier.newsletters import services
from tests.fakes.smtp import SMTPSink


@pytest.fixture
def smtp(settings):
    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink


def test_headers_arrive_over_smtp_and_the_one_click_post_works(
    smtp, subscribed, draft, staff, awa, yao
):
    services.send_test(staff, draft)
    services.send_newsletter(staff, draft.pk)
    received = {
        message["to"][0]: email.message_from_bytes(message["raw"], policy=default_policy)
        for message in smtp.messages
    }
    assert set(received) == {staff.email, awa.email, yao.email}
    urls = {}
    for address, message in received.items():
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        mailto, https = (part.strip(" <>") for part in message["List-Unsubscribe"].split(","))
        assert https.startswith("http") and mailto.startswith("mailto:desabonnement@")
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert https in body  # the same link at the foot of the letter
        urls[address] = https
    assert len(set(urls.values())) == 3  # each member their own

    # What a mail client does with it: a POST, no cookie, no CSRF token.
    path = urlsplit(urls[yao.email]).path
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert set(User.objects.filter(newsletter=True).values_list("email", flat=True)) == {awa.email}
