"""Voice alerts end to end: the fan-out writes the call, the sender asks the fake Africa's
Talking Voice to ring, and the fake plays the provider's part over real HTTP against the
live server: our XML, our audio, the keys pressed, the call's end."""

import io
import re
import wave
from datetime import timedelta
from xml.etree import ElementTree  # nosec B405 # our own answers

import pytest
from django.utils import timezone

from monquartier.alerts import services as alert_services
from monquartier.alerts.models import AlertAcknowledgement, AlertRead
from monquartier.outbox import sender
from monquartier.outbox.models import CallOutcome, Channel, Delivery, DeliveryStatus, VoiceCall
from monquartier.outbox.voice.audio import espeak_available
from tests import factories
from tests.fakes.voice_provider import FakeVoice

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing: make espeak")

SECRET = "voice-secret-for-the-tests-0123"


@pytest.fixture
def voice(live_server, settings):
    with FakeVoice(callback_url=f"{live_server.url}/webhooks/voix/{SECRET}/") as fake:
        settings.SITE_URL = live_server.url
        settings.VOICE_BACKEND = (
            "monquartier.outbox.voice.africastalking.AfricasTalkingVoiceBackend"
        )
        settings.AFRICASTALKING_VOICE_API_URL = f"{fake.url}/call"
        settings.AFRICASTALKING_USERNAME = fake.username
        settings.AFRICASTALKING_API_KEY = fake.api_key
        settings.AFRICASTALKING_VOICE_NUMBER = fake.caller
        settings.VOICE_WEBHOOK_SECRET = SECRET
        settings.VOICE_PRICE_PER_MINUTE = 60
        settings.ALERT_SMS_DELAY_SECONDS = 0  # the call is due at once
        yield fake


@pytest.fixture
def moussa(transactional_db, communes):
    """A member of Riviera 2 who reads with difficulty: alerts by phone call."""
    referent = factories.make_user("Awa", "Koné", email="awa.voice@exemple.ci")
    community = factories.make_community(referent, name="Riviera 2")
    member = factories.add_member(
        community, first_name="Moussa", last_name="Diabaté", email="", alert_voice=True
    )
    return referent, member


def _wav(data: bytes) -> wave.Wave_read:
    return wave.open(io.BytesIO(data))


def _unsigned(instructions: str) -> str:
    return re.sub(r"/audio/[^/]+/", "/audio/…/", instructions)


def test_a_voice_call_where_pressing_2_acknowledges_the_alert(voice, moussa):
    referent, member = moussa
    alert = alert_services.send_alert(referent, category="burglary", text="Deux hommes au portail")

    # The fan-out wrote the call; the sender asked the provider to ring the member.
    delivery = Delivery.objects.get(alert=alert, user=member, channel=Channel.VOICE)
    assert delivery.status == DeliveryStatus.SENT
    assert [(c.to, c.client_request_id) for c in voice.calls] == [
        (str(member.mobile), str(delivery.pk))
    ]
    call = VoiceCall.objects.get()
    assert (call.session_id, call.account, call.community_id) == (
        voice.calls[0].session_id,
        member,
        alert.community_id,
    )

    played = voice.ring(call.session_id, keys=["1", "2"], duration=75)

    # Our instructions: the alert inside a GetDigits (one key), then goodbye; again after
    # 1; after 2, thanks and nothing more to wait for.
    first = ElementTree.fromstring(played.instructions[0])  # noqa: S314
    digits = first.find("GetDigits")
    assert digits is not None and digits.attrib["numDigits"] == "1"
    assert digits.attrib["callbackUrl"].endswith(f"/webhooks/voix/{SECRET}/")
    assert digits.find("Play") is not None
    # 1: the same message again (its audio link is signed anew, with the time of signing).
    assert _unsigned(played.instructions[1]) == _unsigned(played.instructions[0])
    last = ElementTree.fromstring(played.instructions[2])  # noqa: S314
    assert last.find("GetDigits") is None and last.find("Play") is not None
    assert played.callback_statuses == [200, 200, 200, 200]
    # The alert's audio (twice, the same file), the goodbye twice, and the thanks: 8 kHz
    # mono WAV that a phone line plays.
    assert len(played.audio) == 5
    assert played.audio[0] == played.audio[2]
    for data in played.audio:
        with _wav(data) as audio:
            assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (
                8000,
                1,
                2,
            )
    with _wav(played.audio[0]) as message:
        assert message.getnframes() / 8000 > 8  # a real sentence, not silence

    # Pressing 2 acknowledged the alert ("J'ai vu", by voice), which reads it too; the call
    # is delivered and costed.
    assert AlertRead.objects.filter(alert=alert, user=member).exists()
    assert AlertAcknowledgement.objects.get(alert=alert, user=member).channel == "voice"
    call.refresh_from_db()
    assert call.outcome == CallOutcome.ANSWERED
    assert call.keys == "12"
    assert call.acknowledged_at is not None and call.ended_at is not None
    assert call.duration_seconds == 75
    assert call.cost == 120  # two started minutes at 60 F
    assert (call.provider_amount, call.provider_currency) == ("12.5000", "XOF")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at is not None


def test_an_unanswered_call_is_tried_twice_more_then_fails(voice, moussa, settings):
    settings.VOICE_RETRY_DELAY_SECONDS = 120
    referent, member = moussa
    alert = alert_services.send_alert(referent, category="fire", text="Fumée chez le voisin")
    delivery = Delivery.objects.get(alert=alert, user=member, channel=Channel.VOICE)

    for attempt in (1, 2, 3):
        assert len(voice.calls) == attempt
        played = voice.ring(voice.calls[-1].session_id, answer=False)
        assert played.instructions == [] and played.callback_statuses == [200]
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt < 3:
            assert delivery.status == DeliveryStatus.QUEUED
            assert delivery.due_at > timezone.now() + timedelta(seconds=100)
            # Nothing goes before the delay; then the sender calls again.
            assert sender.deliver(Channel.VOICE) == (0, False)
            Delivery.objects.filter(pk=delivery.pk).update(due_at=timezone.now())
            sender.deliver(Channel.VOICE)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "NO_ANSWER" in delivery.last_error
    calls = list(VoiceCall.objects.order_by("pk"))
    assert [c.outcome for c in calls] == [CallOutcome.UNANSWERED] * 3
    assert [c.cost for c in calls] == [0, 0, 0]
    assert len({c.session_id for c in calls}) == 3


def test_a_retry_waiting_is_cancelled_when_the_member_reads_the_alert(voice, moussa):
    referent, member = moussa
    alert = alert_services.send_alert(referent, category="theft", text="Moto volée")
    voice.ring(voice.calls[0].session_id, answer=False)
    delivery = Delivery.objects.get(alert=alert, user=member, channel=Channel.VOICE)
    assert delivery.status == DeliveryStatus.QUEUED

    alert_services.mark_read(alert, member)  # opened on a neighbour's phone, say

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert len(voice.calls) == 1


def test_a_replayed_end_and_a_second_2_change_nothing(voice, moussa):
    referent, _member = moussa
    alert_services.send_alert(referent, category="burglary", text="Porte forcée")
    session = voice.calls[0].session_id
    voice.ring(session, keys=["2"], duration=20)
    voice.ring(session, keys=["2"], duration=500)  # the provider posts it all again

    call = VoiceCall.objects.get()
    assert (call.duration_seconds, call.cost, call.keys) == (20, 60, "22")
    assert Delivery.objects.get(channel=Channel.VOICE).status == DeliveryStatus.DELIVERED
    assert AlertRead.objects.count() == 1


def test_a_refused_call_request_is_tried_again_later(voice, moussa, settings):
    settings.DELIVERY_BACKOFF_SECONDS = (60,)
    voice.refuse_next.append((500, "InternalServerError"))
    referent, _member = moussa
    alert_services.send_alert(referent, category="other", text="Réunion annulée")
    delivery = Delivery.objects.get(channel=Channel.VOICE)
    assert delivery.status == DeliveryStatus.QUEUED
    assert "HTTP 500" in delivery.last_error
    assert VoiceCall.objects.count() == 0  # no call rang: none counted
