import io

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from monquartier.outbox.email import DevOutboxEmailBackend
from monquartier.outbox.models import DevOutboxMessage
from monquartier.outbox.sms import (
    ConsoleSMSBackend,
    DevOutboxSMSBackend,
    SMSError,
    SMSMessage,
    send_sms,
)
from tests import factories


def test_send_sms_goes_through_the_configured_backend(sms_outbox):
    sent = send_sms("+2250707123456", "Bonjour")
    assert sms_outbox == [SMSMessage(to="+2250707123456", text="Bonjour")]
    assert sent.provider_id


def test_send_sms_raises_what_the_backend_reports(settings):
    settings.SMS_BACKEND = "tests.outbox.test_sms_and_outbox.RefusingBackend"
    with pytest.raises(SMSError) as caught:
        send_sms("+2250707123456", "Bonjour")
    assert caught.value.permanent is True


class RefusingBackend(ConsoleSMSBackend):
    def send_messages(self, messages):
        return [SMSError("numéro inconnu", permanent=True, message=message) for message in messages]


def test_the_console_backend_prints():
    stream = io.StringIO()
    ConsoleSMSBackend(stream=stream).send_messages([SMSMessage(to="+2250707123456", text="Alerte")])
    assert "+2250707123456" in stream.getvalue() and "Alerte" in stream.getvalue()


@pytest.mark.django_db
def test_dev_backends_keep_a_copy_for_the_outbox_page():
    DevOutboxSMSBackend(stream=io.StringIO()).send_messages(
        [SMSMessage(to="+2250707123456", text="Code 123456")]
    )
    message = EmailMultiAlternatives("Sujet", "Texte", "a@exemple.ci", ["b@exemple.ci"])
    message.attach_alternative("<p>HTML</p>", "text/html")
    DevOutboxEmailBackend(stream=io.StringIO()).send_messages([message])
    rows = {row.channel: row for row in DevOutboxMessage.objects.all()}
    assert rows["sms"].body == "Code 123456"
    assert (rows["email"].subject, rows["email"].html) == ("Sujet", "<p>HTML</p>")


@pytest.mark.django_db
def test_the_dev_outbox_is_for_staff_unless_debug(client, settings, awa, mariam):
    DevOutboxMessage.objects.create(channel="sms", recipient="+2250707123456", body="Code 654321")
    url = reverse("dev_outbox")
    settings.DEBUG = False
    assert client.get(url).status_code == 404
    factories.log_in(client, awa)
    assert client.get(url).status_code == 404
    factories.log_in(client, mariam)
    page = client.get(url).content.decode()
    assert "Code 654321" in page
    client.logout()
    settings.DEBUG = True
    assert client.get(url + "?canal=sms").status_code == 200


@pytest.mark.django_db
def test_the_html_part_is_shown_sandboxed(client, mariam):
    row = DevOutboxMessage.objects.create(
        channel="email", recipient="b@exemple.ci", body="t", html="<script>x()</script>"
    )
    factories.log_in(client, mariam)
    response = client.get(reverse("dev_outbox_html", args=[row.pk]))
    assert response["Content-Security-Policy"].startswith("sandbox")
