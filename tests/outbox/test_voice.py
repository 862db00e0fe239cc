"""Voice alerts without the provider: who is called and when, what is said, the audio,
the caps, the member's setting, and the callbacks' bad input."""

import io
import logging
import time
import wave
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import fanout, services
from monquartier.alerts.voice import spoken_text
from monquartier.outbox import sender
from monquartier.outbox.models import (
    CallOutcome,
    Channel,
    Delivery,
    DeliveryStatus,
    DevOutboxMessage,
    VoiceCall,
)
from monquartier.outbox.voice import audio, calls
from monquartier.outbox.voice.audio import espeak_available
from tests import factories

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing: make espeak")
SECRET = "voice-secret-for-the-tests-0123"


@pytest.fixture
def quiet(db, settings):
    """Fan-outs and senders run when the test says."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.VOICE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def caller(riviera):
    """Moussa, of Riviera 2, chose calls."""
    return factories.add_member(riviera, first_name="Moussa", last_name="Diabaté", alert_voice=True)


def send(awa, **fields):
    fields.setdefault("category", "burglary")
    fields.setdefault("text", "Deux hommes escaladent le mur du lot 12")
    return services.send_alert(awa, **fields)


# --- the fan-out ---------------------------------------------------------------------


def test_members_who_chose_calls_get_one_with_the_sms_delay(quiet, riviera, awa, yao, caller):
    unverified = factories.add_member(riviera, alert_voice=True, mobile_verified=False)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    voice = Delivery.objects.filter(alert=alert, channel=Channel.VOICE)
    assert [(d.user, d.address, d.audience) for d in voice] == [
        (caller, str(caller.mobile), "community")
    ]
    sms = Delivery.objects.get(alert=alert, user=caller, channel=Channel.SMS)
    assert voice.get().due_at == sms.due_at
    assert sms.due_at == pytest.approx(
        alert.created_at + timedelta(seconds=180), abs=timedelta(seconds=1)
    )
    assert not Delivery.objects.filter(user__in=[yao, unverified], channel=Channel.VOICE)


def test_a_phone_only_member_is_called_at_once_and_twinned_members_never(
    quiet, riviera, awa, twinned, riviera3
):
    phone_only = factories.add_member(riviera, email="", alert_voice=True)
    factories.add_member(riviera3, alert_voice=True)
    alert = send(awa)
    fanout.fan_out_alert(alert)
    voice = Delivery.objects.get(alert=alert, channel=Channel.VOICE)
    assert voice.user == phone_only and voice.due_at <= timezone.now()


def test_reading_the_alert_cancels_the_waiting_call(quiet, riviera, awa, caller):
    alert = send(awa)
    fanout.fan_out_alert(alert)
    services.mark_read(alert, caller)
    assert Delivery.objects.get(alert=alert, channel=Channel.VOICE).status == "cancelled"


# --- what is said, and the audio -----------------------------------------------------


def test_the_call_says_the_category_the_place_the_sender_and_the_police_numbers(
    riviera, awa, caller
):
    alert = send(awa, text="Deux hommes au portail")
    text = spoken_text(alert, "fr")
    assert text.startswith("Alerte Cambriolage, à Riviera 2, Cocody.")
    assert "Envoyée par Awa Koné." in text
    assert "Deux hommes au portail." in text
    assert "N'intervenez pas, appelez la police au 110, 111 ou 170." in text
    assert "appuyez sur 2" in text
    english = spoken_text(alert, "en")
    assert "110, 111" in english and "Cambriolage" not in english


@needs_espeak
def test_the_audio_is_a_small_phone_wav_made_once_per_alert_and_language(
    riviera, awa, caller, monkeypatch
):
    alert = send(awa)
    text = spoken_text(alert, "fr")
    started = time.monotonic()
    name = audio.audio_file(f"alert-{alert.pk}-fr", text, "fr")
    elapsed = time.monotonic() - started
    # The bench note: about 0.2 s for an alert on one core; a call must not wait for it.
    assert elapsed < 3
    from django.core.files.storage import default_storage

    with default_storage.open(name) as stored, wave.open(io.BytesIO(stored.read())) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        seconds = wav.getnframes() / 8000
        assert 8 < seconds < 60
    assert default_storage.size(name) < 20_000 * seconds

    def no_second_synthesis(*args, **kwargs):
        raise AssertionError("synthesised twice")

    monkeypatch.setattr(audio, "synthesise", no_second_synthesis)
    assert audio.audio_file(f"alert-{alert.pk}-fr", text, "fr") == name
    with pytest.raises(AssertionError):
        audio.audio_file(f"alert-{alert.pk}-en", spoken_text(alert, "en"), "en")


def test_the_text_reaches_espeak_on_its_standard_input_only(monkeypatch):
    seen = {}

    def fake_run(arguments, **options):
        seen["arguments"], seen["input"] = arguments, options["input"]
        raise audio.subprocess.CalledProcessError(1, arguments)

    monkeypatch.setattr(audio.shutil, "which", lambda name: "/usr/bin/espeak-ng")
    monkeypatch.setattr(audio.subprocess, "run", fake_run)
    with pytest.raises(audio.AudioError):
        audio.synthesise("--help -w /etc/passwd", "fr")
    assert "--help -w /etc/passwd" not in seen["arguments"]
    assert seen["input"] == b"--help -w /etc/passwd"


# --- the sender ----------------------------------------------------------------------


@needs_espeak
def test_the_development_backend_calls_nobody_and_shows_the_words(
    quiet, settings, client, riviera, awa, caller
):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    alert = send(awa)
    fanout.fan_out_alert(alert)
    sender.deliver(Channel.VOICE)
    delivery = Delivery.objects.get(alert=alert, channel=Channel.VOICE)
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_id.startswith("dev-")
    message = DevOutboxMessage.objects.get(channel=Channel.VOICE)
    assert message.recipient == str(caller.mobile) and "Riviera 2" in message.body
    assert VoiceCall.objects.get().session_id == delivery.provider_id
    settings.DEBUG = True
    page = client.get(reverse("dev_outbox"), {"canal": "voice"}).content.decode()
    assert "Appel vocal" in page and "Riviera 2" in page


def test_without_a_voice_backend_the_calls_are_skipped(quiet, settings, riviera, awa, caller):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    settings.VOICE_BACKEND = ""
    fanout.fan_out_alert(send(awa))
    sender.deliver(Channel.VOICE)
    assert Delivery.objects.get(channel=Channel.VOICE).status == DeliveryStatus.SKIPPED


@needs_espeak
def test_calls_are_capped_per_member_and_per_community_each_day(
    quiet, settings, riviera, awa, caller
):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    settings.FLOOD_LIMITS = {
        **settings.FLOOD_LIMITS,
        "voice_call_account": (2, 24 * 3600),
        "voice_call_community": (3, 24 * 3600),
    }
    other = factories.add_member(riviera, alert_voice=True)
    for number in range(3):
        alert = send(awa, text=f"Alerte numéro {number}")
        fanout.fan_out_alert(alert)
        sender.deliver(Channel.VOICE)
    outcomes = {
        (d.user_id, d.alert.text[-1]): (d.status, d.last_error)
        for d in Delivery.objects.filter(channel=Channel.VOICE).select_related("alert")
    }
    assert sum(status == "sent" for status, _error in outcomes.values()) == 3
    assert outcomes[(caller.pk, "2")] == ("failed", "daily voice call cap of the member")
    assert outcomes[(other.pk, "2")] == ("failed", "daily voice call cap of the community")
    assert VoiceCall.objects.count() == 3
    # A day later the member is called again.
    VoiceCall.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    fanout.fan_out_alert(send(awa, text="Le lendemain"))
    sender.deliver(Channel.VOICE)
    assert Delivery.objects.filter(channel=Channel.VOICE, status="sent").count() == 5


# --- the callbacks' bad input --------------------------------------------------------


def _callback(client, secret=SECRET, **data):
    return client.post(reverse("voice_callback", args=[secret]), data)


def test_a_wrong_secret_is_refused_and_logged(quiet, client, caplog):
    with caplog.at_level(logging.WARNING, logger="monquartier.outbox.voice.webhooks"):
        response = _callback(client, secret="wrong", sessionId="ATVId_1", isActive="1")
    assert response.status_code == 403
    assert "wrong secret" in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        {"sessionId": "ATVId_unknown", "isActive": "1"},
        {"sessionId": "ATVId_unknown", "isActive": "0", "durationInSeconds": "30"},
        {"sessionId": "x" * 5000, "isActive": "1", "dtmfDigits": "2" * 5000},
    ],
)
def test_an_unknown_session_is_refused_and_logged(quiet, client, caplog, data):
    with caplog.at_level(logging.WARNING, logger="monquartier.outbox.voice.webhooks"):
        response = _callback(client, **data)
    assert response.status_code == 404
    assert "unknown session" in caplog.text
    assert VoiceCall.objects.count() == 0


def test_a_callback_without_a_session_is_a_400(quiet, client):
    assert _callback(client, isActive="1").status_code == 400
    assert client.get(reverse("voice_callback", args=[SECRET])).status_code == 405


@needs_espeak
def test_odd_values_from_the_provider_change_nothing_they_should_not(
    quiet, settings, client, riviera, awa, caller
):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    fanout.fan_out_alert(send(awa))
    sender.deliver(Channel.VOICE)
    call = VoiceCall.objects.get()
    # Keys that mean nothing play the message again; never a 500.
    for digits in ("9", "*", "<script>", "٢"):
        response = _callback(client, sessionId=call.session_id, isActive="1", dtmfDigits=digits)
        assert response.status_code == 200 and b"<GetDigits" in response.content
    response = _callback(
        client, sessionId=call.session_id, isActive="0", durationInSeconds="-5e99", amount="x" * 900
    )
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.duration_seconds == 0 and call.cost == 0 and len(call.provider_amount) == 32
    assert call.acknowledged_at is None
    assert call.outcome == CallOutcome.ANSWERED  # it asked for our instructions


@needs_espeak
def test_the_audio_url_is_signed_and_expires(quiet, settings, client, riviera, awa, caller):
    name = audio.audio_file("phrase-test-fr", "Bonjour", "fr")
    url = calls.audio_url(name)
    path = url.removeprefix(settings.SITE_URL)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "audio/x-wav"
    assert b"".join(response.streaming_content).startswith(b"RIFF")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.get(path.replace(token, token[:-2] + "xx")).status_code == 404
    forged = calls.audio_url("../settings.py").removeprefix(settings.SITE_URL)
    assert client.get(forged).status_code == 404
    settings.VOICE_AUDIO_URL_MAX_AGE = -1
    assert client.get(path).status_code == 404


# --- the member's setting ------------------------------------------------------------


def _settings_form(user, **choices):
    from monquartier.notifications.preferences import FIXED, all_modes

    modes = {kind: mode for kind, mode in all_modes(user).items() if kind not in FIXED}
    return {**modes, "alert_sms": "on", **choices}


def test_a_member_chooses_calls_in_the_notification_settings(client, riviera, yao):
    factories.log_in(client, yao)
    page = client.get(reverse("notification_settings")).content.decode()
    assert "Recevoir les alertes par appel vocal" in page
    response = client.post(
        reverse("notification_settings"), _settings_form(yao, alert_voice="on"), follow=True
    )
    assert response.status_code == 200
    yao.refresh_from_db()
    assert yao.alert_voice is True


def test_calls_need_a_verified_mobile(client, riviera):
    member = factories.add_member(riviera, mobile_verified=False)
    factories.log_in(client, member)
    response = client.post(
        reverse("notification_settings"), _settings_form(member, alert_voice="on")
    )
    assert "ajoutez et vérifiez" in response.content.decode()
    member.refresh_from_db()
    assert member.alert_voice is False


def test_the_referent_sets_calls_when_registering_a_neighbour(riviera, awa):
    neighbour = factories.register_neighbour(awa, riviera, alert_voice=True)
    assert neighbour.alert_voice is True and neighbour.mobile_verified is False
    other = factories.register_neighbour(awa, riviera, mobile="+2250707998866")
    assert other.alert_voice is False


def test_the_demo_shows_calls_heard_and_unanswered_and_rings_nobody(db, settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    calls_made = list(VoiceCall.objects.order_by("pk"))
    assert [c.outcome for c in calls_made] == [
        CallOutcome.ANSWERED,
        CallOutcome.UNANSWERED,
        CallOutcome.ANSWERED,
    ]
    assert calls_made[0].keys == "2" and calls_made[0].cost == 60
    assert not DevOutboxMessage.objects.filter(channel=Channel.VOICE).exists()
    from monquartier.outbox.voice.sending import spoken_for

    assert "Riviera 2" in spoken_for(calls_made[0].delivery).text
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert VoiceCall.objects.count() == 3


@needs_espeak
def test_a_callback_costs_a_few_queries(
    quiet, settings, client, riviera, awa, caller, django_assert_max_num_queries
):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    fanout.fan_out_alert(send(awa))
    sender.deliver(Channel.VOICE)
    session = VoiceCall.objects.get().session_id
    _callback(client, sessionId=session, isActive="1")  # the audio is made once
    with django_assert_max_num_queries(12):
        assert _callback(client, sessionId=session, isActive="1", dtmfDigits="1").status_code == 200
    with django_assert_max_num_queries(8):
        _callback(client, sessionId=session, isActive="0", durationInSeconds="30")


def test_the_counted_calls_go_with_the_delivery_records(quiet, riviera, caller):
    from monquartier.outbox.jobs import prune_delivery_records

    old = VoiceCall.objects.create(session_id="old", to="+2250700000001", account=caller)
    VoiceCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    VoiceCall.objects.create(session_id="new", to="+2250700000002", account=caller)
    assert "1 counted calls" in prune_delivery_records("2026-12-01")
    assert list(VoiceCall.objects.values_list("session_id", flat=True)) == ["new"]


def test_the_sender_sees_the_calls_in_the_alert_progress(quiet, client, riviera, awa, yao, caller):
    alert = send(awa)
    factories.log_in(client, awa)
    page = client.get(reverse("alerts:progress", args=[alert.pk])).content.decode()
    assert "Appel vocal" not in page  # not fanned out yet
    fanout.fan_out_alert(alert)
    page = client.get(reverse("alerts:progress", args=[alert.pk])).content.decode()
    assert "Appel vocal" in page


def test_the_registration_form_offers_calls(client, riviera, awa):
    from monquartier.accounts.models import User

    factories.age_community(riviera, days=30)
    factories.log_in(client, awa)
    url = reverse("communities:register_neighbour", args=[riviera.pk])
    assert "Recevoir aussi les alertes par appel vocal" in client.get(url).content.decode()
    form = {
        "first_name": "Amenan",
        "last_name": "Yao",
        "mobile": "0707998877",
        "quartier": "Riviera 2",
        "latitude": "5.3592",
        "longitude": "-3.9612",
        "alert_voice": "on",
        "confirm": "on",
    }
    assert client.post(url, form).status_code == 302
    assert User.objects.get(first_name="Amenan").alert_voice is True


@needs_espeak
def test_a_call_whose_end_never_came_is_tried_again(quiet, settings, riviera, awa, caller):
    settings.ALERT_SMS_DELAY_SECONDS = 0
    fanout.fan_out_alert(send(awa))
    sender.deliver(Channel.VOICE)
    assert calls.settle_silent_calls() == 0  # too early to say
    later = timezone.now() + timedelta(minutes=31)
    assert calls.settle_silent_calls(later) == 1
    call = VoiceCall.objects.get()
    assert (call.outcome, call.hangup_cause) == (CallOutcome.UNANSWERED, "NO_END_CALLBACK")
    assert Delivery.objects.get(channel=Channel.VOICE).status == DeliveryStatus.QUEUED
    assert calls.settle_silent_calls(later) == 0


def test_old_audio_files_are_deleted(db):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from monquartier.outbox.jobs import prune

    default_storage.save("voice/alert-1-fr-old.wav", ContentFile(b"RIFF"))
    default_storage.save("voice/alert-2-fr-new.wav", ContentFile(b"RIFF"))
    assert "0 voice audio files" in prune("2026-12-01")
    assert audio.prune_audio(timedelta(days=3), timezone.now() + timedelta(days=4)) == 2
    assert default_storage.listdir("voice")[1] == []
