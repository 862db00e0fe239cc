"""The web-push transport: encryption, VAPID signatures, answers of the push services,
kept connections, proxies, and the VAPID keys. The push services are local fakes spoken
to over real HTTPS (tests/fakes/push_service.py)."""

import base64
import json
import os
import socket
from unittest import mock

import http_ece
import pytest
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
from tests.fakes.push_service import FakeProxy, FakePushService

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


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


@pytest.fixture(autouse=True)
def _no_proxy_and_fresh_connections(monkeypatch):
    """The machine's own proxy settings stay out of it; no connection outlives a test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    push.close_connections()
    yield
    push.close_connections()


@pytest.fixture
def push_service(settings):
    """A push service at https://localhost:<port>, whose certificate the transport trusts."""
    with FakePushService() as service:
        settings.PUSH_CA_FILE = service.ca_file
        yield service


@pytest.fixture
def other_service(push_service):
    """A second push service, at https://127.0.0.1:<port> (another origin)."""
    with FakePushService(host="127.0.0.1") as service:
        yield service


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
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.ok and result.status is PushStatus.OK and result.status_code == 201
    [request] = push_service.received
    assert request.method == "POST" and request.path == "/fcm/send/abc"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["TTL"] == str(settings.PUSH_TTL_SECONDS)
    assert request.headers["Urgency"] == "high"
    assert request.headers["Topic"] == "alert-7"
    assert browser.decrypt(request.body) == alert_payload()
    claims = vapid_claims(request.headers["Authorization"])
    assert claims["aud"] == push_service.url
    assert claims["sub"] == "mailto:equipe@monquartier.ci"
    assert claims["k"] == _vapid
    assert Vapid02.verify(request.headers["Authorization"])


def test_ttl_and_urgency_can_be_chosen_and_ttl_defaults_to_the_setting(
    awa, browser, push_service, settings
):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    settings.PUSH_TTL_SECONDS = 600

    send_push([PushMessage(subscription, alert_payload(tag="gazette-3"))])
    send_push([PushMessage(subscription, alert_payload())], ttl=60, urgency="normal")

    first, second = (request.headers for request in push_service.received)
    assert first["TTL"] == "600" and first["Urgency"] == "high"
    assert first["Topic"] == "gazette-3"
    assert second["TTL"] == "60" and second["Urgency"] == "normal"
    with pytest.raises(ValueError):
        send_push([PushMessage(subscription, alert_payload())], urgency="tout de suite")


def test_one_signature_per_push_service_and_a_few_kept_connections_for_a_whole_batch(
    awa, push_service, other_service
):
    subscriptions = [Browser().subscribe(awa, f"{push_service.url}/fcm/{n}") for n in range(30)]
    subscriptions += [Browser().subscribe(awa, f"{other_service.url}/moz/{n}") for n in range(20)]

    with mock.patch.object(Vapid02, "sign", autospec=True, side_effect=Vapid02.sign) as sign:
        results = send_push([PushMessage(s, alert_payload()) for s in subscriptions], workers=4)

    assert sign.call_count == 2
    assert [r.status for r in results] == [PushStatus.OK] * 50
    assert [r.subscription for r in results] == subscriptions
    assert len(push_service.received) == 30 and len(other_service.received) == 20
    for service in (push_service, other_service):
        audiences = {vapid_claims(r.headers["Authorization"])["aud"] for r in service.received}
        assert audiences == {service.url}
        # Keep-alive: no more connections than threads, however many pushes.
        assert 1 <= service.connections <= 4


def test_the_next_batches_reuse_the_connection(awa, browser, push_service):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")

    for _ in range(3):
        [result] = send_push([PushMessage(subscription, alert_payload())])
        assert result.ok

    assert len(push_service.received) == 3
    assert push_service.connections == 1


def test_a_connection_the_push_service_closed_while_idle_is_replaced(awa, browser, push_service):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    send_push([PushMessage(subscription, alert_payload())])

    push_service.close_idle_connections()
    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.ok
    assert len(push_service.received) == 2  # nothing sent on the closed connection
    assert push_service.connections == 2


def test_a_kept_connection_lost_at_the_request_is_tried_once_more_on_a_new_one(
    awa, browser, push_service
):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    send_push([PushMessage(subscription, alert_payload())])

    push_service.answer_next(drop=True)  # read, then the connection closed without a word
    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.ok
    assert [r.connection for r in push_service.received] == [1, 1, 2]


def test_a_long_answer_is_cut_and_its_connection_not_kept(awa, browser, push_service):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    push_service.answer("/fcm/send/abc", 400, body="refusé " * 5000)

    [result] = send_push([PushMessage(subscription, alert_payload())])
    send_push([PushMessage(subscription, alert_payload())])

    assert result.permanent and result.status_code == 400
    assert result.detail.startswith("400 Bad Request: refusé refusé")
    assert len(result.detail) <= 220
    assert push_service.connections == 2


def test_a_push_service_that_asks_to_close_gets_a_new_connection_next_time(
    awa, browser, push_service
):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    push_service.answer("/fcm/send/abc", 201, headers={"Connection": "close"})

    results = [send_push([PushMessage(subscription, alert_payload())])[0] for _ in range(2)]

    assert all(result.ok for result in results)
    assert [r.connection for r in push_service.received] == [1, 2]


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
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    push_service.answer("/fcm/send/abc", answer, body="expliqué", headers={"Retry-After": "30"})

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.status is expected
    assert [result.ok, result.gone, result.transient, result.permanent].count(True) == 1
    assert result.status_code == answer
    assert str(answer) in result.detail
    if not result.ok:
        assert "expliqué" in result.detail
    assert result.retry_after == "30"


def test_a_connection_lost_before_the_answer_is_transient_and_not_tried_again(
    awa, browser, push_service
):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    push_service.answer("/fcm/send/abc", drop=True)

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.transient and "RemoteDisconnected" in result.detail
    assert len(push_service.received) == 1  # a new connection: no second try


def test_a_push_service_slower_than_the_read_timeout_is_transient(
    awa, browser, push_service, monkeypatch
):
    monkeypatch.setattr(push, "READ_TIMEOUT", 0.2)
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    push_service.answer("/fcm/send/abc", delay=1.0)

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.transient and "TimeoutError" in result.detail


def test_a_push_service_that_never_completes_the_handshake_times_out_at_connect(
    awa, browser, push_service, monkeypatch
):
    monkeypatch.setattr(push, "CONNECT_TIMEOUT", 0.2)
    with socket.socket() as silent:  # takes the TCP connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        subscription = browser.subscribe(awa, f"https://localhost:{port}/fcm/send/abc")
        [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.transient and "timed out" in result.detail


def test_a_refused_connection_and_an_untrusted_certificate_are_transient(
    awa, browser, push_service, refusing_port, settings
):
    refused = browser.subscribe(awa, f"https://localhost:{refusing_port}/fcm/send/abc")
    [result] = send_push([PushMessage(refused, alert_payload())])
    assert result.transient and "ConnectionRefusedError" in result.detail

    settings.PUSH_CA_FILE = ""  # certifi's authorities: they never signed the fake's
    untrusted = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    [result] = send_push([PushMessage(untrusted, alert_payload())])
    assert result.transient and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert not push_service.received


def test_one_bad_subscription_does_not_stop_the_batch_and_results_keep_their_order(
    awa, browser, push_service
):
    url = push_service.url
    good = browser.subscribe(awa, url + "/fcm/good")
    gone = Browser().subscribe(awa, url + "/fcm/gone")
    broken = PushSubscription.objects.create(
        user=awa,
        endpoint=url + "/fcm/broken",
        p256dh=b64(b"\x04" + b"\x01" * 64),
        auth=b64(b"x" * 16),
    )
    not_a_url = PushSubscription(user=awa, endpoint="mailto:awa@exemple.ci", p256dh="", auth="")
    bad_port = PushSubscription(
        user=awa, endpoint="https://localhost:port/fcm/x", p256dh=good.p256dh, auth=good.auth
    )
    push_service.answer("/fcm/gone", 410)

    results = send_push(
        [PushMessage(s, alert_payload()) for s in (broken, good, not_a_url, gone, bad_port)]
    )

    assert [r.status for r in results] == [
        PushStatus.PERMANENT,
        PushStatus.OK,
        PushStatus.PERMANENT,
        PushStatus.GONE,
        PushStatus.PERMANENT,
    ]
    assert sorted(r.path for r in push_service.received) == ["/fcm/gone", "/fcm/good"]
    # Reporting only: the caller decides what to delete.
    assert PushSubscription.objects.filter(pk=gone.pk).exists()


def test_no_message_no_request(push_service):
    assert send_push([]) == []
    assert not push_service.received
    assert push_service.connections == 0


def test_a_long_body_is_shortened_to_fit_the_push_service(awa, browser, push_service):
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
    long_body = 'Un voisin signale un incendie près du marché « Gouro » ; é\n"' * 200

    [result] = send_push([PushMessage(subscription, alert_payload(body=long_body))])

    assert result.ok
    body = push_service.received[0].body
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


def test_a_proxy_from_the_environment_tunnels_except_where_no_proxy_says(
    awa, browser, push_service, other_service, monkeypatch
):
    with FakeProxy() as proxy:
        address = proxy.url.removeprefix("http://")
        monkeypatch.setenv("HTTPS_PROXY", f"http://equipe:s%40cret@{address}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        proxied = browser.subscribe(awa, push_service.url + "/fcm/send/abc")
        direct = browser.subscribe(awa, other_service.url + "/moz/xyz")

        results = send_push(
            [PushMessage(proxied, alert_payload()), PushMessage(direct, alert_payload())]
        )

    assert [result.status for result in results] == [PushStatus.OK, PushStatus.OK]
    [tunnel] = proxy.tunnels
    assert tunnel.target == push_service.url.removeprefix("https://")
    credentials = base64.b64decode(tunnel.headers["Proxy-Authorization"].removeprefix("Basic "))
    assert credentials == b"equipe:s@cret"
    # Through the tunnel, TLS is with the push service itself: the same checks, the same push.
    assert [r.path for r in push_service.received] == ["/fcm/send/abc"]
    assert [r.path for r in other_service.received] == ["/moz/xyz"]


def test_a_proxy_that_is_not_http_is_refused_as_settings_not_tried(
    awa, browser, push_service, monkeypatch
):
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    subscription = browser.subscribe(awa, push_service.url + "/fcm/send/abc")

    [result] = send_push([PushMessage(subscription, alert_payload())])

    assert result.permanent and "socks5" in result.detail
    assert not push_service.received


def test_the_next_batches_reuse_the_signature_until_it_gets_old(awa, push_service, monkeypatch):
    subscriptions = [Browser().subscribe(awa, f"{push_service.url}/fcm/{n}") for n in range(3)]
    with mock.patch.object(Vapid02, "sign", autospec=True, side_effect=Vapid02.sign) as sign:
        for subscription in subscriptions:
            send_push([PushMessage(subscription, alert_payload())])
        assert sign.call_count == 1
        # Less than JWT_MIN_REMAINING_SECONDS left: signed again.
        later = push.time.time() + push.JWT_LIFETIME_SECONDS - push.JWT_MIN_REMAINING_SECONDS + 60
        monkeypatch.setattr(push.time, "time", lambda: later)
        [result] = send_push([PushMessage(subscriptions[0], alert_payload())])
    assert sign.call_count == 2 and result.ok
    claims = vapid_claims(push_service.received[-1].headers["Authorization"])
    assert claims["exp"] == int(later) + push.JWT_LIFETIME_SECONDS
