"""Two copies of one request arriving together (a 2G network repeating a POST whose answer
was slow) create one alert, or one post with its files. PostgreSQL only: SQLite writes one transaction at a time."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client

from monquartier.alerts.models import Alert
from monquartier.api.models import IdempotentRequest
from monquartier.api.v1 import alerts as alert_endpoints
from monquartier.api.v1 import gazette as gazette_endpoints
from monquartier.gazette.models import Post
from tests import factories
from tests.api.conftest import ApiClient, token_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]

ALERT = {"category": "theft", "text": "On a volé une moto devant la pharmacie"}


def test_concurrent_repeats_with_one_key_create_one_alert(communes, riviera, yao, monkeypatch):
    token = token_for(yao)
    inside, release = threading.Event(), threading.Event()
    send_alert = alert_endpoints.services.send_alert

    def slow_send_alert(*args, **kwargs):
        # The first request holds its transaction open, its key inserted, until released.
        alert = send_alert(*args, **kwargs)
        if not inside.is_set():
            inside.set()
            release.wait(10)
        return alert

    monkeypatch.setattr(alert_endpoints.services, "send_alert", slow_send_alert)
    responses = {}

    def post(name):
        try:
            responses[name] = ApiClient(Client(), token).post(
                "/alerts", ALERT, headers={"Idempotency-Key": "key-concurrent-01"}
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post, args=("second",))
    second.start()
    time.sleep(0.5)  # the second waits on the key's unique index meanwhile
    assert "second" not in responses
    release.set()
    first.join(10)
    second.join(10)

    assert responses["first"].status_code == responses["second"].status_code == 201
    assert responses["second"].json() == responses["first"].json()
    assert responses["second"]["Idempotent-Replayed"] == "true"
    assert Alert.objects.count() == 1
    assert IdempotentRequest.objects.count() == 1


def test_concurrent_repeats_of_an_upload_publish_one_post(communes, riviera, yao, monkeypatch):
    token = token_for(yao)
    inside, release = threading.Event(), threading.Event()
    create_post = gazette_endpoints.services.create_post

    def slow_create_post(*args, **kwargs):
        post = create_post(*args, **kwargs)
        if not inside.is_set():
            inside.set()
            release.wait(10)
        return post

    monkeypatch.setattr(gazette_endpoints.services, "create_post", slow_create_post)
    pdf = factories.pdf_bytes()
    responses = {}

    def post(name):
        try:
            responses[name] = Client().post(
                "/api/v1/gazette",
                {
                    "category": "info",
                    "title": "Coupure d'eau",
                    "text": "Demain matin.",
                    "files": [SimpleUploadedFile("avis.pdf", pdf, "application/pdf")],
                },
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "upload-01"},
            )
        finally:
            connections.close_all()

    first = threading.Thread(target=post, args=("first",))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post, args=("second",))
    second.start()
    time.sleep(0.5)
    assert "second" not in responses
    release.set()
    first.join(10)
    second.join(10)
    assert responses["first"].status_code == responses["second"].status_code == 201
    assert responses["second"].json() == responses["first"].json()
    assert Post.objects.count() == 1
