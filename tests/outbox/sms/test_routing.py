"""SMS routing by operator, failover through the circuit breaker, the cost of each SMS
and the delivery reports of both providers, against the local fake providers."""

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import services as alerts
from monquartier.outbox.models import Delivery, DeliveryStatus, TextMessage, TextPurpose
from monquartier.outbox.services import send_text
from monquartier.outbox.sms import RoutingSMSBackend, SMSError, SMSMessage, SMSSent
from monquartier.outbox.sms.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from monquartier.outbox.sms.costs import operator_of, sms_cost
from tests import factories
from tests.fakes.sms_providers import FakeAfricasTalking, FakeOrange

FAST = (1, 0.3)
ORANGE_LINE = "+2250707111111"
MTN_LINE = "+2250505222222"
MOOV_LINE = "+2250101333333"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def orange():
    with FakeOrange() as fake:
        yield fake


@pytest.fixture
def africastalking():
    with FakeAfricasTalking() as fake:
        yield fake


@pytest.fixture
def routed(settings, orange, africastalking):
    settings.SMS_BACKEND = "monquartier.outbox.sms.RoutingSMSBackend"
    settings.SMS_PROVIDERS = {
        "orange": {
            "BACKEND": "monquartier.outbox.sms.OrangeSMSBackend",
            "OPTIONS": {
                "api_url": orange.url,
                "sender_address": "tel:+2250000",
                "timeout": FAST,
                **orange.credentials,
            },
        },
        "africastalking": {
            "BACKEND": "monquartier.outbox.sms.AfricasTalkingSMSBackend",
            "OPTIONS": {
                "api_url": africastalking.api_url,
                "timeout": FAST,
                **africastalking.credentials,
            },
        },
    }
    settings.SMS_ROUTES = {"orange": "orange", "mtn": "africastalking", "moov": "africastalking"}
    settings.SMS_DEFAULT_PROVIDER = "africastalking"
    settings.SMS_CIRCUIT_FAILURES = 3
    settings.SMS_CIRCUIT_WINDOW_SECONDS = 60
    settings.SMS_CIRCUIT_OPEN_SECONDS = 120
    settings.SMS_PRICES = {
        "orange": {"orange": "12", "mtn": "20", "moov": "20", "other": "25"},
        "africastalking": {"orange": "18", "mtn": "15", "moov": "15", "other": "25"},
    }


def sms(to, reference="", text="Alerte Riviera 2: cambriolage signalé."):
    return SMSMessage(to=to, text=text, reference=reference)


@pytest.mark.parametrize(
    ("number", "operator"),
    [
        ("+2250707123456", "orange"),
        ("0707123456", "orange"),
        ("002250505123456", "mtn"),
        ("+225 01 01 12 34 56", "moov"),
        ("+2252722445566", "other"),  # a fixed line
        ("+33612345678", "other"),
    ],
)
def test_the_operator_is_the_prefix_after_225(number, operator):
    assert operator_of(number) == operator


def test_a_number_that_is_none_has_no_operator():
    with pytest.raises(ValueError):
        operator_of("pas un numéro")


def test_the_cost_is_the_operators_price_per_segment(routed):
    assert sms_cost("orange", ORANGE_LINE, "Bonjour") == Decimal("12")
    assert sms_cost("africastalking", MTN_LINE, "Bonjour") == Decimal("15")
    assert sms_cost("orange", "+33612345678", "Bonjour") == Decimal("25")
    # 200 GSM-7 characters are two segments (153 each).
    assert sms_cost("orange", MOOV_LINE, "a" * 200) == Decimal("40")
    # Accents are transliterated as the backends send them: still one segment.
    assert sms_cost("orange", ORANGE_LINE, "ô" * 150) == Decimal("12")
    assert sms_cost("dev", ORANGE_LINE, "Bonjour") is None


def test_each_number_goes_through_the_provider_of_its_operator(routed, orange, africastalking):
    outcomes = RoutingSMSBackend().send_messages(
        [sms(ORANGE_LINE, "d-1"), sms(MTN_LINE, "d-2"), sms(MOOV_LINE, "d-3"), sms("12", "d-4")]
    )
    assert [o.provider if isinstance(o, SMSSent) else "error" for o in outcomes] == [
        "orange",
        "africastalking",
        "africastalking",
        "error",
    ]
    assert isinstance(outcomes[3], SMSError) and outcomes[3].permanent
    assert [r.to for r in orange.received_unique] == [ORANGE_LINE]
    assert sorted(r.to for r in africastalking.received_unique) == [MOOV_LINE, MTN_LINE]


def test_a_route_to_an_unknown_provider_is_a_configuration_error(routed, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SMS_ROUTES = {"orange": "moov-direct"}
    with pytest.raises(ImproperlyConfigured):
        RoutingSMSBackend()


def test_failover_when_orange_answers_500_for_a_minute(routed, orange, africastalking):
    orange.fail_next(status=500, count=1000)
    with time_machine.travel(START, tick=False) as clock:
        outcomes = []
        for second in range(0, 70, 10):
            # A new backend each time, as each sender task builds its own: the state is
            # in the cache, not in the object.
            (outcome,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE, f"d-{second}")])
            outcomes.append(outcome)
            clock.shift(10)
        # Three failing batches open the circuit; from then on Africa's Talking takes them.
        assert [type(o).__name__ for o in outcomes] == ["SMSError"] * 3 + ["SMSSent"] * 4
        assert all(not o.permanent for o in outcomes[:3] if isinstance(o, SMSError))
        assert {o.provider for o in outcomes[3:] if isinstance(o, SMSSent)} == {"africastalking"}
        assert orange.requests == 3
        assert CircuitBreaker("orange").state() == OPEN

        # Orange is back; after the opening (120 s from the third failure) one trial goes.
        orange.heal()
        clock.move_to(START + timedelta(seconds=20 + 121))
        assert CircuitBreaker("orange").state() == HALF_OPEN
        (trial,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE, "d-trial")])
        assert isinstance(trial, SMSSent) and trial.provider == "orange"
        assert CircuitBreaker("orange").state() == CLOSED
        (after,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE, "d-after")])
        assert isinstance(after, SMSSent) and after.provider == "orange"
    assert [r.to for r in africastalking.received_unique] == [ORANGE_LINE] * 4


def test_a_provider_that_times_out_fails_over_too(routed, orange, africastalking):
    orange.timeout_next(count=3, seconds=1)
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            RoutingSMSBackend().send_messages([sms(ORANGE_LINE)])
        (outcome,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE)])
    assert isinstance(outcome, SMSSent) and outcome.provider == "africastalking"


def test_failures_spread_over_several_windows_do_not_open_the_circuit(routed, orange):
    orange.fail_next(status=503, count=4)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            RoutingSMSBackend().send_messages([sms(ORANGE_LINE)])
            clock.shift(40)  # two failures a minute at most
        assert CircuitBreaker("orange").state() == CLOSED


def test_refused_numbers_are_not_the_providers_fault(routed, orange):
    orange.reject_numbers({ORANGE_LINE})
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            (outcome,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE)])
            assert isinstance(outcome, SMSError) and outcome.permanent
    assert CircuitBreaker("orange").state() == CLOSED


def test_a_failed_trial_opens_the_circuit_again_and_only_one_worker_tries(routed, orange):
    breaker = CircuitBreaker("orange")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            breaker.record_failure()
        clock.shift(121)
        assert breaker.allow() is True  # this worker's trial
        assert breaker.allow() is False  # another worker meanwhile
        orange.fail_next(status=500)
        breaker.record_failure()
        assert breaker.state() == OPEN
        clock.shift(119)
        assert breaker.state() == OPEN
        clock.shift(2)
        assert breaker.allow() is True


def test_when_every_provider_fails_the_message_waits_for_the_retry(routed, orange, africastalking):
    with time_machine.travel(START, tick=False):
        for name in ("orange", "africastalking"):
            for _ in range(3):
                CircuitBreaker(name).record_failure()
        (outcome,) = RoutingSMSBackend().send_messages([sms(MTN_LINE)])
    assert isinstance(outcome, SMSError) and not outcome.permanent
    assert orange.requests == africastalking.requests == 0


def later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def test_an_alerts_sms_record_their_provider_and_cost_and_both_receipts_land(
    routed, riviera, awa, yao, run_tasks, orange, africastalking, client, settings
):
    mtn_member = factories.add_member(riviera, first_name="Adjoua", mobile=MTN_LINE)
    yao.mobile = ORANGE_LINE
    yao.save(update_fields=["mobile"])
    alert = alerts.send_alert(awa, category="theft", text="On vient de voler une moto")
    run_tasks()
    with later(181):
        run_tasks()
    rows = {d.user_id: d for d in Delivery.objects.filter(alert=alert, channel="sms")}
    by_orange, by_at = rows[yao.pk], rows[mtn_member.pk]
    assert (by_orange.status, by_orange.sms_provider, by_orange.cost) == (
        DeliveryStatus.SENT,
        "orange",
        Decimal("12.00"),
    )
    assert (by_at.status, by_at.sms_provider, by_at.cost) == (
        DeliveryStatus.SENT,
        "africastalking",
        Decimal("15.00"),
    )

    def report(provider, body, content_type):
        url = reverse(
            "sms_reports", kwargs={"provider": provider, "secret": settings.SMS_WEBHOOK_SECRET}
        )
        return client.post(url, data=body, content_type=content_type).json()

    # Orange echoes our reference; naming the Africa's Talking row changes nothing.
    stray = {
        "deliveryInfoNotification": {
            "callbackData": str(by_at.pk),
            "deliveryInfo": {"address": f"tel:{MTN_LINE}", "deliveryStatus": "DeliveredToTerminal"},
        }
    }
    assert report("orange", json.dumps(stray), "application/json") == {"updated": 0}
    orange_report = {
        "deliveryInfoNotification": {
            "callbackData": str(by_orange.pk),
            "deliveryInfo": {
                "address": f"tel:{ORANGE_LINE}",
                "deliveryStatus": "DeliveredToTerminal",
            },
        }
    }
    assert report("orange", json.dumps(orange_report), "application/json") == {"updated": 1}
    at_report = f"id={by_at.provider_id}&status=Failed&phoneNumber=%2B2250505222222&failureReason=AbsentSubscriber"
    assert report("africastalking", at_report, "application/x-www-form-urlencoded") == {
        "updated": 1
    }
    by_orange.refresh_from_db()
    by_at.refresh_from_db()
    assert by_orange.status == DeliveryStatus.DELIVERED and by_orange.delivered_at
    assert by_at.status == DeliveryStatus.FAILED and "AbsentSubscriber" in by_at.last_error
    # The cost stays: the SMS was paid for even if it never arrived.
    assert by_at.cost == Decimal("15.00")


def test_a_counted_sms_outside_alerts_records_its_provider_and_cost(
    routed, awa, run_tasks, africastalking
):
    record = send_text(MOOV_LINE, "MonQuartier: tapez AIDE", purpose=TextPurpose.REPLY, account=awa)
    run_tasks()
    record.refresh_from_db()
    assert (record.provider, record.cost) == ("africastalking", Decimal("15.00"))
    assert [r.to for r in africastalking.received_unique] == [MOOV_LINE]
    assert TextMessage.objects.count() == 1


def test_the_development_outbox_names_the_provider_the_router_would_choose(db, settings):
    from monquartier.outbox.sms import DevOutboxSMSBackend

    settings.SMS_ROUTES = {"orange": "orange", "mtn": "africastalking"}
    settings.SMS_DEFAULT_PROVIDER = "africastalking"
    outcomes = DevOutboxSMSBackend(stream=io.StringIO()).send_messages(
        [sms(ORANGE_LINE), sms(MTN_LINE), sms(MOOV_LINE)]
    )
    assert [o.provider for o in outcomes if isinstance(o, SMSSent)] == [
        "orange",
        "africastalking",
        "africastalking",
    ]


def test_an_unconfigured_provider_fails_over_and_spares_the_others(
    routed, settings, africastalking
):
    settings.SMS_PROVIDERS = {
        "orange": {"BACKEND": "monquartier.outbox.sms.OrangeSMSBackend", "OPTIONS": {}},
        "africastalking": settings.SMS_PROVIDERS["africastalking"],
    }
    settings.ORANGE_SMS_CLIENT_ID = ""
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            first, second = RoutingSMSBackend().send_messages([sms(ORANGE_LINE), sms(MTN_LINE)])
            assert isinstance(first, SMSError) and not first.permanent
            assert isinstance(second, SMSSent) and second.provider == "africastalking"
        (outcome,) = RoutingSMSBackend().send_messages([sms(ORANGE_LINE)])
    assert isinstance(outcome, SMSSent) and outcome.provider == "africastalking"
