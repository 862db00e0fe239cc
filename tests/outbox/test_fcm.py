"""Pushes to the native apps through Firebase Cloud Messaging (outbox/fcm.py), over real
HTTP to a fake FCM (tests/fakes/fcm_server.py): the signed JWT traded for an access
token, the messages, and what each of FCM's answers makes of the registration."""

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from monquartier.accounts.services import issue_device_token, revoke_device_token
from monquartier.alerts import services as alert_services
from monquartier.outbox import fcm
from monquartier.outbox.devices import register_app
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus, FCMRegistration
from monquartier.outbox.push import PushStatus
from tests.fakes.fcm_server import FakeFCM, fcm_error

YAO_TOKEN = "fYaoPhone:APA91bH" + "x" * 140


@pytest.fixture
def fake_fcm(settings):
    with FakeFCM() as fake:
        settings.FCM_SERVICE_ACCOUNT = fake.service_account_json
        settings.FCM_PROJECT_ID = ""
        settings.FCM_ENDPOINT = fake.url
        settings.FCM_TOKEN_URI = ""
        settings.DELIVERY_BACKOFF_SECONDS = [1, 1, 1]
        fcm.access_tokens.clear()
        yield fake
    fcm.access_tokens.clear()


@pytest.fixture
def yao_app(yao):
    device, _secret = issue_device_token(yao, "Téléphone de Yao")
    registration, _created = register_app(device, YAO_TOKEN, platform="android")
    return registration


def send_alert(awa):
    return alert_services.send_alert(
        awa, category="theft", text="On vient de voler une moto devant la pharmacie"
    )


def push_row(alert, user) -> Delivery:
    return Delivery.objects.get(alert=alert, user=user, channel=Channel.PUSH)


def test_an_alert_reaches_the_app_with_the_web_push_payload(
    riviera, awa, yao, yao_app, fake_fcm, run_tasks
):
    alert = send_alert(awa)
    run_tasks()
    (message,) = fake_fcm.messages
    assert message["token"] == YAO_TOKEN
    assert message["notification"]["title"] == "Alerte · Vol"
    assert "On vient de voler une moto" in message["notification"]["body"]
    assert message["data"]["url"] == f"/alertes/{alert.pk}/"
    assert message["data"]["tag"] == f"alert-{alert.pk}"
    assert message["android"]["priority"] == "high"
    assert message["android"]["notification"]["tag"] == f"alert-{alert.pk}"
    row = push_row(alert, yao)
    assert row.status == DeliveryStatus.SENT
    yao_app.refresh_from_db()
    assert yao_app.last_success_at is not None
    assert fake_fcm.token_requests == 1


def test_the_access_token_is_kept_for_the_next_batches(
    riviera, awa, yao, yao_app, fake_fcm, run_tasks
):
    send_alert(awa)
    run_tasks()
    send_alert(awa)
    run_tasks()
    assert len(fake_fcm.messages) == 2
    assert fake_fcm.token_requests == 1


def test_an_expired_access_token_is_renewed(riviera, awa, yao, yao_app, settings, run_tasks):
    # Google's tokens last an hour; this one expires before the margin: renewed each time.
    with FakeFCM(token_lifetime=60) as fake:
        settings.FCM_SERVICE_ACCOUNT = fake.service_account_json
        settings.FCM_ENDPOINT = fake.url
        fcm.access_tokens.clear()
        send_alert(awa)
        run_tasks()
        send_alert(awa)
        run_tasks()
        assert len(fake.messages) == 2
        assert fake.token_requests == 2


def test_an_uninstalled_app_loses_its_registration(riviera, awa, yao, yao_app, fake_fcm, run_tasks):
    fake_fcm.unregistered.add(YAO_TOKEN)
    alert = send_alert(awa)
    run_tasks()
    assert fake_fcm.messages == []
    assert len(fake_fcm.attempts) == 1
    assert not FCMRegistration.objects.filter(pk=yao_app.pk).exists()
    # Yao had no other device: nothing to push to, the row is skipped, not failed.
    assert push_row(alert, yao).status == DeliveryStatus.SKIPPED


def test_a_token_fcm_calls_invalid_is_removed_but_another_bad_request_is_not(
    riviera, awa, yao, yao_app, fake_fcm, run_tasks
):
    fake_fcm.fail_next.append(
        (
            400,
            fcm_error(
                400,
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                error_code="INVALID_ARGUMENT",
                field="message.token",
            ),
            {},
        )
    )
    send_alert(awa)
    run_tasks()
    assert not FCMRegistration.objects.filter(pk=yao_app.pk).exists()

    device, _secret = issue_device_token(yao, "Autre téléphone")
    registration, _created = register_app(device, "fOther:APA91b" + "y" * 100)
    fake_fcm.fail_next.append(
        (400, fcm_error(400, "INVALID_ARGUMENT", "Invalid value at 'message.data'"), {})
    )
    alert = send_alert(awa)
    run_tasks()
    assert FCMRegistration.objects.filter(pk=registration.pk).exists()
    row = push_row(alert, yao)
    assert row.status == DeliveryStatus.FAILED
    assert "400" in row.last_error


def test_unavailable_is_retried_after_retry_after(riviera, awa, yao, yao_app, fake_fcm, run_tasks):
    fake_fcm.fail_next.append(
        (503, fcm_error(503, "UNAVAILABLE", "The service is unavailable."), {"Retry-After": "120"})
    )
    before = timezone.now()
    alert = send_alert(awa)
    run_tasks()
    row = push_row(alert, yao)
    assert row.status == DeliveryStatus.QUEUED
    assert "503" in row.last_error
    # The backoff says a second; FCM asked for two minutes.
    assert row.due_at >= before + timedelta(seconds=120)
    assert fake_fcm.messages == []

    Delivery.objects.filter(pk=row.pk).update(due_at=timezone.now())
    from monquartier.outbox.sender import deliver

    deliver(Channel.PUSH)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert row.attempts == 2
    assert len(fake_fcm.messages) == 1
    assert FCMRegistration.objects.filter(pk=yao_app.pk).exists()


def test_too_many_requests_is_transient(riviera, awa, yao, yao_app, fake_fcm, run_tasks):
    fake_fcm.fail_next.append(
        (429, fcm_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), {"Retry-After": "30"})
    )
    alert = send_alert(awa)
    run_tasks()
    assert push_row(alert, yao).status == DeliveryStatus.QUEUED
    assert FCMRegistration.objects.filter(pk=yao_app.pk).exists()


def test_a_refused_access_token_is_refreshed_once(riviera, awa, yao, yao_app, fake_fcm, run_tasks):
    send_alert(awa)
    run_tasks()
    assert fake_fcm.token_requests == 1
    fake_fcm.revoke_access_tokens()  # the token we keep now answers 401
    alert = send_alert(awa)
    run_tasks()
    assert fake_fcm.token_requests == 2
    assert len(fake_fcm.messages) == 2
    assert push_row(alert, yao).status == DeliveryStatus.SENT


def test_a_second_401_is_not_refreshed_again(yao_app, fake_fcm):
    unauthenticated = (401, fcm_error(401, "UNAUTHENTICATED", "Invalid credentials."), {})
    fake_fcm.fail_next.extend([unauthenticated, unauthenticated, unauthenticated])
    (result,) = fcm.send_fcm([fcm.FCMMessage(yao_app, {"title": "T", "body": "B"})])
    assert result.status is PushStatus.TRANSIENT
    assert result.status_code == 401
    assert fake_fcm.token_requests == 2
    assert len(fake_fcm.attempts) == 2


def test_the_token_endpoint_checks_the_jwt_signature(yao_app, fake_fcm, settings):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.FCM_SERVICE_ACCOUNT = json.dumps(fake_fcm.service_account(key=other_key))
    (result,) = fcm.send_fcm([fcm.FCMMessage(yao_app, {"title": "T", "body": "B"})])
    assert result.status is PushStatus.PERMANENT
    assert fake_fcm.refused_assertions == ["Invalid JWT Signature."]
    assert fake_fcm.attempts == []


def test_the_service_account_may_be_a_file(yao_app, fake_fcm, settings, tmp_path):
    path = tmp_path / "service-account.json"
    path.write_text(fake_fcm.service_account_json)
    settings.FCM_SERVICE_ACCOUNT = str(path)
    (result,) = fcm.send_fcm([fcm.FCMMessage(yao_app, {"title": "T", "body": "B"})])
    assert result.ok


def test_not_configured_app_pushes_are_skipped(
    riviera, awa, yao, yao_app, settings, run_tasks, caplog
):
    settings.FCM_SERVICE_ACCOUNT = ""
    with caplog.at_level("INFO", logger="monquartier.outbox.sender"):
        alert = send_alert(awa)
        run_tasks()
    row = push_row(alert, yao)
    assert row.status == DeliveryStatus.SKIPPED
    assert "FCM is not configured" in caplog.text
    assert FCMRegistration.objects.filter(pk=yao_app.pk).exists()


def test_a_member_with_only_the_app_gets_push_rows(riviera, awa, yao, yao_app, fake_fcm):
    alert = send_alert(awa)
    assert Delivery.objects.filter(alert=alert, user=yao, channel=Channel.PUSH).exists()
    # Awa, the sender, has no device: no push row for her (and she sent it anyway).
    assert not Delivery.objects.filter(alert=alert, user=awa, channel=Channel.PUSH).exists()


def test_signing_the_app_out_ends_its_pushes(yao, yao_app):
    revoke_device_token(yao, yao_app.device_id)
    assert not FCMRegistration.objects.filter(pk=yao_app.pk).exists()


def test_a_password_change_or_a_closure_ends_the_app_pushes(yao, yao_app):
    yao.set_password("un tout nouveau mot de passe 2026")
    yao.save()
    assert not FCMRegistration.objects.filter(pk=yao_app.pk).exists()


def test_a_long_body_is_shortened_for_fcm(yao_app):
    payload = {"title": "Alerte", "body": "é" * 5000, "url": "/alertes/1/", "tag": "alert-1"}
    body = fcm.message_body(YAO_TOKEN, payload, 60)
    message = body["message"]
    # FCM's 4,096 bytes count the notification and the data together.
    counted = json.dumps([message["notification"], message["data"]], ensure_ascii=False)
    assert len(counted.encode()) <= 4096
    assert message["notification"]["body"].endswith("…")
    assert message["data"] == {"url": "/alertes/1/", "tag": "alert-1"}
    assert message["android"]["ttl"] == "60s"


def test_unreadable_settings_make_the_app_pushes_wait(
    riviera, awa, yao, yao_app, settings, run_tasks
):
    settings.FCM_SERVICE_ACCOUNT = '{"client_email": "x@example.iam", "private_key": "nope"}'
    alert = send_alert(awa)
    run_tasks()
    row = push_row(alert, yao)
    assert row.status == DeliveryStatus.QUEUED
    assert "FCM_SERVICE_ACCOUNT" in row.last_error


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120), ("", None), ("soon", None), ("999999", 3600)],
)
def test_retry_after_in_seconds(value, seconds):
    from monquartier.outbox.transports import retry_after_seconds

    assert retry_after_seconds(value) == seconds


def test_retry_after_as_a_date():
    from email.utils import format_datetime

    from monquartier.outbox.transports import retry_after_seconds

    when = format_datetime(timezone.now() + timedelta(seconds=90), usegmt=True)
    assert 85 <= retry_after_seconds(when) <= 91


def test_the_members_data_download_lists_the_app_without_its_token(yao, yao_app):
    from monquartier.accounts.my_data import devices

    (app,) = devices(yao)
    assert app["user_agent"] == "Téléphone de Yao (android)"
    assert YAO_TOKEN not in json.dumps(app, default=str)


def test_the_town_halls_preview_counts_a_member_with_only_the_app(
    cocody_town_hall, riviera, awa, yao, yao_app
):
    from monquartier.townhalls import announcements

    assert announcements.reach([riviera.pk], urgent=True).push == 1
