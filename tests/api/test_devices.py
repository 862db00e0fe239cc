"""Where an app's pushes go (api/v1/devices.py): a browser's web push subscription, the
VAPID key, and a native app's FCM token tied to the sign-in it came with."""

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from monquartier.accounts.models import DeviceToken
from monquartier.accounts.services import close_account, suspend_account
from monquartier.outbox.models import FCMRegistration, PushSubscription
from monquartier.outbox.push import vapid_keys
from tests.api.conftest import ApiClient, token_for

ENDPOINT = "https://fcm.googleapis.com/fcm/send/cNq3-yao-browser"
APP_TOKEN = "dXk1:APA91bFv" + "a" * 140


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(endpoint: str = ENDPOINT) -> dict:
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"endpoint": endpoint, "keys": {"p256dh": b64(public), "auth": b64(os.urandom(16))}}


@pytest.fixture(autouse=True)
def _vapid(settings, tmp_path):
    settings.BASE_DIR = tmp_path  # a development key pair of the test's own


def test_the_vapid_key_needs_a_token(api, api_as, yao):
    assert api.get("/push/key").status_code == 401
    response = api_as(yao).get("/push/key")
    assert response.status_code == 200
    assert response.json() == {"public_key": vapid_keys()[1]}


def test_a_browser_subscribes_once_and_again(api_as, yao):
    client = api_as(yao)
    data = browser_subscription()
    first = client.post("/push/subscriptions", data, headers={"User-Agent": "MonQuartier/1.0"})
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    assert PushSubscription.objects.get().user_agent == "MonQuartier/1.0"  # as the website
    again = client.post("/push/subscriptions", data)
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "created": False}
    (subscription,) = PushSubscription.objects.filter(user=yao)
    assert subscription.endpoint == ENDPOINT


def test_the_website_checks_apply_and_a_refusal_changes_nothing(api_as, yao, settings):
    client = api_as(yao)
    for endpoint, field in (
        ("http://fcm.googleapis.com/fcm/send/x", "endpoint"),
        ("https://push.exemple.ci/x", "endpoint"),  # not a known push service
        ("https://10.0.0.1/x", "endpoint"),
    ):
        response = client.post("/push/subscriptions", browser_subscription(endpoint))
        assert response.status_code == 422, endpoint
        body = response.json()
        assert body["code"] == "invalid"
        assert field in body["fields"]
    bad_key = browser_subscription()
    bad_key["keys"]["p256dh"] = b64(b"\x04" + b"\x01" * 64)  # not a point on the curve
    response = client.post("/push/subscriptions", bad_key)
    assert response.status_code == 422
    assert "p256dh" in response.json()["fields"]
    missing = client.post("/push/subscriptions", {"endpoint": ENDPOINT})
    assert missing.status_code == 422
    assert not PushSubscription.objects.exists()


def test_refusals_are_in_the_members_language(api_as, yao):
    yao.language = "en"
    yao.save(update_fields=["language"])
    response = api_as(yao).post(
        "/push/subscriptions", browser_subscription("https://push.exemple.ci/x")
    )
    assert response.json()["fields"]["endpoint"] == ["This notification service is not supported."]


def test_a_repeat_with_the_same_idempotency_key_gets_the_first_answer(api_as, yao):
    client = api_as(yao)
    data = browser_subscription()
    headers = {"Idempotency-Key": "subscribe-0001"}
    first = client.post("/push/subscriptions", data, headers=headers)
    second = client.post("/push/subscriptions", data, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"


def test_a_browser_is_forgotten_only_by_its_member(api_as, awa, yao):
    api_as(yao).post("/push/subscriptions", browser_subscription())
    response = api_as(awa).post("/push/subscriptions/remove", {"endpoint": ENDPOINT})
    assert response.json() == {"deleted": False}
    assert PushSubscription.objects.filter(user=yao).exists()
    response = api_as(yao).post("/push/subscriptions/remove", {"endpoint": ENDPOINT})
    assert response.status_code == 200
    assert response.json() == {"deleted": True}
    assert not PushSubscription.objects.exists()
    again = api_as(yao).post("/push/subscriptions/remove", {"endpoint": ENDPOINT})
    assert again.json() == {"deleted": False}


def test_an_app_registers_its_fcm_token_for_its_sign_in(client, yao):
    secret = token_for(yao, "Téléphone de Yao")
    app = ApiClient(client, secret)
    response = app.client.put(
        "/api/v1/push/app",
        {"token": APP_TOKEN, "platform": "android"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    device = DeviceToken.objects.for_secret(secret).get()
    assert response.json() == {"device": device.pk, "platform": "android", "created": True}
    (registration,) = FCMRegistration.objects.all()
    assert (registration.user, registration.device, registration.token) == (yao, device, APP_TOKEN)

    # Firebase gave the app a new token: it replaces the old one.
    response = app.client.put(
        "/api/v1/push/app",
        {"token": APP_TOKEN + "b"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert list(FCMRegistration.objects.values_list("token", flat=True)) == [APP_TOKEN + "b"]


def put_app_token(client, secret: str, data: dict):
    return client.put(
        "/api/v1/push/app",
        data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_a_token_that_is_not_firebases_is_refused(client, yao):
    secret = token_for(yao)
    for token in ("", "short", "https://evil.exemple/" + "a" * 40, "a b" * 20, "x" * 513):
        response = put_app_token(client, secret, {"token": token})
        assert response.status_code == 422, token
        assert "token" in response.json()["fields"]
    response = put_app_token(client, secret, {"token": APP_TOKEN, "platform": "symbian"})
    assert response.status_code == 422
    assert not FCMRegistration.objects.exists()
    assert put_app_token(client, "", {"token": APP_TOKEN}).status_code == 401


def test_a_phone_that_changes_hands_moves_its_token(client, awa, yao):
    put_app_token(client, token_for(yao), {"token": APP_TOKEN})
    put_app_token(client, token_for(awa), {"token": APP_TOKEN})
    (registration,) = FCMRegistration.objects.all()
    assert registration.user == awa


def test_unregistering_and_signing_out_end_the_app_pushes(client, yao):
    secret = token_for(yao)
    headers = {"Authorization": f"Bearer {secret}"}
    put_app_token(client, secret, {"token": APP_TOKEN})
    assert client.delete("/api/v1/push/app", headers=headers).status_code == 204
    assert not FCMRegistration.objects.exists()
    assert client.delete("/api/v1/push/app", headers=headers).status_code == 204

    put_app_token(client, secret, {"token": APP_TOKEN})
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert not FCMRegistration.objects.exists()


def test_revoking_the_device_in_parametres_ends_its_pushes(client, yao):
    phone, tablet = token_for(yao, "Téléphone"), token_for(yao, "Tablette")
    put_app_token(client, phone, {"token": APP_TOKEN})
    put_app_token(client, tablet, {"token": APP_TOKEN + "t"})
    phone_id = DeviceToken.objects.for_secret(phone).get().pk
    response = client.delete(
        f"/api/v1/auth/tokens/{phone_id}", headers={"Authorization": f"Bearer {tablet}"}
    )
    assert response.status_code == 204
    assert list(FCMRegistration.objects.values_list("token", flat=True)) == [APP_TOKEN + "t"]


@pytest.mark.parametrize("end", ["password", "suspension", "closure"])
def test_the_account_ending_or_its_password_changing_ends_the_app_pushes(client, yao, end):
    put_app_token(client, token_for(yao), {"token": APP_TOKEN})
    if end == "password":
        yao.set_password("un mot de passe tout neuf 2026")
        yao.save()
    elif end == "suspension":
        suspend_account(yao)
    else:
        close_account(yao)
    assert not FCMRegistration.objects.exists()


def test_the_device_list_says_which_devices_have_pushes(client, yao, django_assert_num_queries):
    phone_secret = token_for(yao, "Téléphone de Yao")
    token_for(yao, "Tablette de Yao")
    phone = ApiClient(client, phone_secret)
    listed = phone.get("/auth/tokens").json()
    assert [(item["name"], item["has_push"]) for item in listed] == [
        ("Tablette de Yao", False),
        ("Téléphone de Yao", False),
    ]
    client.put(
        "/api/v1/push/app",
        {"token": APP_TOKEN},
        content_type="application/json",
        headers={"Authorization": f"Bearer {phone_secret}"},
    )
    listed = phone.get("/auth/tokens").json()
    assert [(item["name"], item["has_push"]) for item in listed] == [
        ("Tablette de Yao", False),
        ("Téléphone de Yao", True),
    ]
    # The token with its user, the list with its pushes: whatever the number of devices.
    with django_assert_num_queries(2):
        phone.get("/auth/tokens")
    for number in range(5):
        token_for(yao, f"Appareil {number}")
    with django_assert_num_queries(2):
        assert len(phone.get("/auth/tokens").json()) == 7
