"""The web-push transport: encryption, VAPID signatures, answers of the push services,
and the VAPID keys. No request leaves the machine: `responses` plays the push services."""

import base64
import json
import os
import re
from unittest import mock

import http_ece
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02
from py_vapid.jwt import decode as decode_jwt

from monquartier.outbox import push
from monquartier.outbox.models import PushSubscription
from monquartier.outbox.push import (
    MAX_PAYLOAD_BYTES,
    PushMessage,
    PushStatus,
    encode_payload,
    send_push,
    vapid_keys,
)

FCM = "https://fcm.googleapis.com/fcm/send/"
MOZILLA = "https://updates.push.services.mozilla.com/wpush/v2/"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64(public)


class Browser:
    """What a browser keeps when it subscribes: its own key pair and auth secret."""

    def __init__(self):
        self.private, self.p256dh = new_key_pair()
        self.auth_secret = os.urandom(16)
        self.auth = b64(self.auth_secret)

    def subscribe(self, user, endpoint: str) -> PushSubscription:
        return PushSubscription.objects.create(
            user=user, endpoint=endpoint, p256dh=self.p256dh, auth=self.auth
        )

    def decrypt(self, body: bytes) -> dict:
        clear = http_ece.decrypt(
            body, private_key=self.private, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(clear)


@pytest.fixture(autouse=True)
def _vapid(settings, tmp_path):
    private, public = new_key_pair()
    raw = private.private_numbers().private_value.to_bytes(32, "big")
    settings.BASE_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = b64(raw)
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_SUBJECT = "mailto:equipe@monquartier.ci"
    return public


@pytest.fixture
def push_service():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock_:
        yield mock_


@pytest.fixture
def browser():
    return Browser()


def alert_payload(**changes) -> dict:
    payload = {
        "title": "Alerte à Riviera 2",
        "body": "Cambriolage signalé rue des Jardins",
        "url": "/alertes/7/",
        "tag": "alert-7",
    }
    return {**payload, **changes}


def vapid_claims(authorization: str) -> dict:
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(part.split("=", 1) for part in rest.split(","))
    return decode_jwt(parts["t"], parts["k"]) | {"k": parts["k"]}


def test_a_message_is_encrypted_for_the_browser_and_signed_with_vapid(
    awa, browser, push_service, _vapid, settings
):
    subscription = browser.subscribe(awa, FCM + "abc")
    push_service.post(FCM + "abc", status=201)

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.ok and result.status is PushStatus.OK and result.status_code == 201
    request = push_service.calls[0].request
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["TTL"] == str(settings.PUSH_TTL_SECONDS)
    assert request.headers["Urgency"] == "high"
    assert request.headers["Topic"] == "alert-7"
    assert browser.decrypt(request.body) == alert_payload()
    claims = vapid_claims(request.headers["Authorization"])
    assert claims["aud"] == "https://fcm.googleapis.com"
    assert claims["sub"] == "mailto:equipe@monquartier.ci"
    assert claims["k"] == _vapid
    assert Vapid02.verify(request.headers["Authorization"])


def test_ttl_and_urgency_can_be_chosen_and_ttl_defaults_to_the_setting(
    awa, browser, push_service, settings
):
    subscription = browser.subscribe(awa, FCM + "abc")
    push_service.post(FCM + "abc", status=201)
    settings.PUSH_TTL_SECONDS = 600

    send_push([PushMessage(subscription, alert_payload(tag="gazette-3"))])
    send_push([PushMessage(subscription, alert_payload())], ttl=60, urgency="normal")

    first, second = (call.request.headers for call in push_service.calls)
    assert first["TTL"] == "600" and first["Urgency"] == "high"
    assert second["TTL"] == "60" and second["Urgency"] == "normal"
    with pytest.raises(ValueError):
        send_push([PushMessage(subscription, alert_payload())], urgency="tout de suite")


def test_one_vapid_signature_per_push_service_for_a_whole_batch(awa, push_service):
    subscriptions = [Browser().subscribe(awa, f"{FCM}{n}") for n in range(30)]
    subscriptions += [Browser().subscribe(awa, f"{MOZILLA}{n}") for n in range(20)]
    push_service.add(responses.POST, re.compile(r"https://.*"), status=201)

    with mock.patch.object(Vapid02, "sign", autospec=True, side_effect=Vapid02.sign) as sign:
        results = send_push([PushMessage(s, alert_payload()) for s in subscriptions])

    assert sign.call_count == 2
    assert [r.status for r in results] == [PushStatus.OK] * 50
    assert [r.subscription for r in results] == subscriptions
    assert len(push_service.calls) == 50
    audiences = {
        call.request.url.split("/")[2]: vapid_claims(call.request.headers["Authorization"])["aud"]
        for call in push_service.calls
    }
    assert audiences == {
        "fcm.googleapis.com": "https://fcm.googleapis.com",
        "updates.push.services.mozilla.com": "https://updates.push.services.mozilla.com",
    }


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (200, PushStatus.OK),
        (201, PushStatus.OK),
        (202, PushStatus.OK),
        (404, PushStatus.GONE),
        (410, PushStatus.GONE),
        (429, PushStatus.TRANSIENT),
        (500, PushStatus.TRANSIENT),
        (502, PushStatus.TRANSIENT),
        (503, PushStatus.TRANSIENT),
        (400, PushStatus.PERMANENT),
        (401, PushStatus.PERMANENT),
        (403, PushStatus.PERMANENT),
        (413, PushStatus.PERMANENT),
    ],
)
def test_the_push_service_answer_says_what_to_do_next(awa, browser, push_service, answer, expected):
    subscription = browser.subscribe(awa, FCM + "abc")
    push_service.post(FCM + "abc", status=answer, body="expliqué", headers={"Retry-After": "30"})

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.status is expected
    assert [result.ok, result.gone, result.transient, result.permanent].count(True) == 1
    assert result.status_code == answer
    assert str(answer) in result.detail
    assert result.retry_after == "30"


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectTimeout("connect"),
        requests.exceptions.ReadTimeout("read"),
        requests.exceptions.ConnectionError("reset"),
    ],
)
def test_timeouts_and_lost_connections_are_transient(awa, browser, push_service, error):
    subscription = browser.subscribe(awa, FCM + "abc")
    push_service.post(FCM + "abc", body=error)

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.status is PushStatus.TRANSIENT
    assert type(error).__name__ in result.detail


def test_requests_have_connect_and_read_timeouts(awa, browser):
    subscription = browser.subscribe(awa, FCM + "abc")
    answer = requests.Response()
    answer.status_code = 201
    with mock.patch.object(requests.adapters.HTTPAdapter, "send", return_value=answer) as send:
        send_push([PushMessage(subscription, alert_payload())])
    assert send.call_args.kwargs["timeout"] == (5.0, 10.0)


def test_one_bad_subscription_does_not_stop_the_batch_and_results_keep_their_order(
    awa, browser, push_service
):
    good = browser.subscribe(awa, FCM + "good")
    gone = Browser().subscribe(awa, FCM + "gone")
    broken = PushSubscription.objects.create(
        user=awa, endpoint=FCM + "broken", p256dh=b64(b"\x04" + b"\x01" * 64), auth=b64(b"x" * 16)
    )
    not_a_url = PushSubscription(user=awa, endpoint="mailto:awa@exemple.ci", p256dh="", auth="")
    push_service.post(FCM + "good", status=201)
    push_service.post(FCM + "gone", status=410)

    results = send_push([PushMessage(s, alert_payload()) for s in (broken, good, not_a_url, gone)])

    assert [r.status for r in results] == [
        PushStatus.PERMANENT,
        PushStatus.OK,
        PushStatus.PERMANENT,
        PushStatus.GONE,
    ]
    assert sorted(call.request.url for call in push_service.calls) == [FCM + "gone", FCM + "good"]
    # Reporting only: the caller decides what to delete.
    assert PushSubscription.objects.filter(pk=gone.pk).exists()


def test_no_message_no_request(push_service):
    assert send_push([]) == []
    assert not push_service.calls


def test_a_long_body_is_shortened_to_fit_the_push_service(awa, browser, push_service):
    subscription = browser.subscribe(awa, FCM + "abc")
    push_service.post(FCM + "abc", status=201)
    long_body = 'Un voisin signale un incendie près du marché « Gouro » ; é\n"' * 200

    [result] = send_push([PushMessage(subscription, alert_payload(body=long_body))])

    assert result.ok
    body = push_service.calls[0].request.body
    assert len(body) < 4096
    received = browser.decrypt(body)
    assert received["title"] == "Alerte à Riviera 2"
    assert received["url"] == "/alertes/7/"
    assert received["body"].endswith("…")
    assert long_body.startswith(received["body"][:-1])
    assert len(json.dumps(received, ensure_ascii=False, separators=(",", ":")).encode()) <= (
        MAX_PAYLOAD_BYTES
    )


def test_payload_encoding_keeps_short_payloads_as_they_are_and_refuses_the_impossible():
    small = alert_payload(icon="/static/img/icon-192.png")
    assert json.loads(encode_payload(small)) == small
    shortened = json.loads(encode_payload(alert_payload(body="é" * 5000), limit=500))
    assert len(json.dumps(shortened, ensure_ascii=False, separators=(",", ":")).encode()) <= 500
    assert shortened["body"].startswith("éé") and shortened["body"].endswith("…")
    with pytest.raises(ValueError):
        encode_payload(alert_payload(url="/" + "x" * 600), limit=500)


def test_without_settings_a_development_key_pair_is_made_once_and_kept(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    key_file = tmp_path / ".vapid-dev.json"

    vapid, public = vapid_keys()

    assert key_file.exists()
    assert key_file.stat().st_mode & 0o777 == 0o600
    stored = json.loads(key_file.read_text())
    assert stored["public_key"] == public
    assert len(base64.urlsafe_b64decode(public + "=")) == 65
    made = key_file.stat().st_mtime_ns
    _vapid_again, public_again = vapid_keys()
    assert public_again == public
    assert key_file.stat().st_mtime_ns == made
    assert list(tmp_path.iterdir()) == [key_file]  # no temporary file left behind
    # The pair works: a signature made with the private key checks with the public one.
    headers = vapid.sign({"sub": "mailto:a@b.ci", "aud": "https://fcm.googleapis.com"})
    assert Vapid02.verify(headers["Authorization"])
    assert vapid_claims(headers["Authorization"])["k"] == public


def test_in_production_missing_keys_are_an_error_not_a_new_pair(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    settings.PRODUCTION = True

    with pytest.raises(ImproperlyConfigured):
        vapid_keys()
    assert not (tmp_path / ".vapid-dev.json").exists()


def test_keys_from_settings_in_pem_or_raw_form(settings):
    private, public = new_key_pair()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    raw = b64(private.private_numbers().private_value.to_bytes(32, "big"))
    for key in (pem, raw):
        settings.VAPID_PRIVATE_KEY = key
        settings.VAPID_PUBLIC_KEY = public
        assert vapid_keys()[1] == public
        settings.VAPID_PUBLIC_KEY = ""
        assert vapid_keys()[1] == public  # derived from the private key

    settings.VAPID_PUBLIC_KEY = new_key_pair()[1]
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        vapid_keys()
    settings.VAPID_PRIVATE_KEY = "pas une clé"
    with pytest.raises(ImproperlyConfigured):
        vapid_keys()
    settings.VAPID_PRIVATE_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        vapid_keys()  # a public key alone is a mistake


def test_the_subject_defaults_to_the_sender_address(settings):
    del settings.VAPID_SUBJECT
    settings.DEFAULT_FROM_EMAIL = "MonQuartier <alertes@monquartier.ci>"
    assert push.vapid_subject() == "mailto:alertes@monquartier.ci"
    settings.VAPID_SUBJECT = "awa"
    with pytest.raises(ImproperlyConfigured):
        push.vapid_subject()


def test_a_proxy_from_the_environment_is_used_except_where_no_proxy_says(awa, browser, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.exemple.ci:3128")
    monkeypatch.setenv("NO_PROXY", "updates.push.services.mozilla.com")
    proxied = browser.subscribe(awa, FCM + "abc")
    direct = browser.subscribe(awa, "https://updates.push.services.mozilla.com/wpush/v2/xyz")
    answer = requests.Response()
    answer.status_code = 201
    with mock.patch.object(requests.adapters.HTTPAdapter, "send", return_value=answer) as send:
        send_push([PushMessage(proxied, alert_payload()), PushMessage(direct, alert_payload())])
    proxies = {
        call.args[0].url.split("/")[2]: call.kwargs["proxies"] for call in send.call_args_list
    }
    assert proxies["fcm.googleapis.com"].get("https") == "http://proxy.exemple.ci:3128"
    assert "https" not in proxies["updates.push.services.mozilla.com"]


def test_the_next_batches_reuse_the_signature_until_it_gets_old(awa, push_service, monkeypatch):
    subscriptions = [Browser().subscribe(awa, f"{FCM}{n}") for n in range(3)]
    push_service.add(responses.POST, re.compile(r"https://.*"), status=201)
    push.close_connections()
    with mock.patch.object(Vapid02, "sign", autospec=True, side_effect=Vapid02.sign) as sign:
        for subscription in subscriptions:
            send_push([PushMessage(subscription, alert_payload())])
        assert sign.call_count == 1
        # Less than JWT_MIN_REMAINING_SECONDS left: signed again.
        later = push.time.time() + push.JWT_LIFETIME_SECONDS - push.JWT_MIN_REMAINING_SECONDS + 60
        monkeypatch.setattr(push.time, "time", lambda: later)
        [result] = send_push([PushMessage(subscriptions[0], alert_payload())])
    assert sign.call_count == 2 and result.ok
    claims = vapid_claims(push_service.calls[-1].request.headers["Authorization"])
    assert claims["exp"] == int(later) + push.JWT_LIFETIME_SECONDS
    push.close_connections()
