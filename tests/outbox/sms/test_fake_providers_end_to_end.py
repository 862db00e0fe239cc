"""The backends against local fake providers speaking real HTTP (see tests/fakes)."""

import pytest

from monquartier.outbox.sms import (
    AfricasTalkingSMSBackend,
    OrangeSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
)
from tests.fakes.sms_providers import FakeAfricasTalking, FakeOrange

# Read timeouts short enough that a scripted timeout (2 s) costs the test a second, long
# enough that a loaded CI machine answering 40 requests on 8 threads is never taken for a
# timeout (0.3 s was, once: "Orange did not answer in time").
FAST = (1, 1.0)
INVALID = "+2250101010101"


@pytest.fixture
def orange():
    with FakeOrange() as fake:
        yield fake


@pytest.fixture
def africastalking():
    with FakeAfricasTalking() as fake:
        yield fake


def orange_backend(fake, **options):
    return OrangeSMSBackend(
        api_url=fake.url, sender_address="tel:+2250000", timeout=FAST, **fake.credentials, **options
    )


def at_backend(fake, timeout=FAST, **options):
    return AfricasTalkingSMSBackend(
        api_url=fake.api_url, timeout=timeout, **{**fake.credentials, **options}
    )


def alert(count, text="Alerte Riviera 2: cambriolage signalé."):
    return [SMSMessage(to=f"+225070{i:07d}", text=text, reference=f"d-{i}") for i in range(count)]


def send_with_retries(backend, messages, attempts):
    """What the outbox does: send, then send again what failed transiently."""
    history = []
    pending = list(messages)
    for _ in range(attempts):
        outcomes = backend.send_messages(pending)
        history.append(outcomes)
        pending = [o.message for o in outcomes if isinstance(o, SMSError) and not o.permanent]
        if not pending:
            break
    return history


def test_orange_a_500_then_a_timeout_then_success(orange):
    orange.fail_next(status=500)
    orange.timeout_next(seconds=2)
    (message,) = alert(1)

    history = send_with_retries(orange_backend(orange), [message], attempts=3)

    first, second, third = (outcomes[0] for outcomes in history)
    assert isinstance(first, SMSError) and not first.permanent
    assert isinstance(second, SMSError) and "in time" in second.detail
    assert isinstance(third, SMSSent) and third.provider_id
    assert [sms.reference for sms in orange.received_unique] == ["d-0"]
    assert orange.requests == 3


def test_orange_sends_a_batch_concurrently_on_one_token(orange):
    messages = alert(40)
    outcomes = orange_backend(orange, threads=8).send_messages(messages)
    assert all(isinstance(o, SMSSent) for o in outcomes)
    assert sorted(sms.reference for sms in orange.received_unique) == sorted(
        m.reference for m in messages
    )
    assert orange.token_requests == 1


def test_orange_does_not_send_a_retried_message_twice(orange):
    (message,) = alert(1)
    first = orange_backend(orange).send_messages([message])[0]
    again = orange_backend(orange).send_messages([message])[0]
    assert first.provider_id == again.provider_id
    assert len(orange.received) == 2 and len(orange.received_unique) == 1


def test_orange_an_invalid_number_is_a_permanent_failure(orange):
    orange.reject_numbers({INVALID})
    messages = [*alert(2), SMSMessage(to=INVALID, text="Alerte", reference="d-x")]
    good, other, bad = orange_backend(orange).send_messages(messages)
    assert isinstance(good, SMSSent) and isinstance(other, SMSSent)
    assert isinstance(bad, SMSError) and bad.permanent and "SVC0004" in bad.detail
    assert INVALID not in {sms.to for sms in orange.received}


def test_orange_an_expired_token_is_replaced(orange):
    orange_backend(orange).send_messages(alert(1))
    orange.expire_tokens()
    (outcome,) = orange_backend(orange).send_messages(alert(2)[1:])
    assert isinstance(outcome, SMSSent)
    assert orange.token_requests == 2


def test_orange_wrong_credentials_are_a_permanent_failure(orange):
    backend = OrangeSMSBackend(
        api_url=orange.url, client_id="x", client_secret="y", sender_address="+2250000"
    )
    outcomes = backend.send_messages(alert(2))
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)


def test_africastalking_sends_2500_alert_sms_in_three_requests(africastalking):
    messages = alert(2500)
    # No scripted timeout here: a busy machine must not turn a slow answer into one.
    outcomes = at_backend(africastalking, timeout=(1, 10)).send_messages(messages)
    assert all(isinstance(o, SMSSent) and o.provider_id.startswith("ATXid_") for o in outcomes)
    assert africastalking.batch_sizes == [1000, 1000, 500]
    assert len(africastalking.received) == 2500


def test_africastalking_a_500_then_a_timeout_then_success(africastalking):
    africastalking.fail_next(status=500)
    africastalking.timeout_next(seconds=2)
    messages = alert(3)

    history = send_with_retries(at_backend(africastalking), messages, attempts=3)

    assert [type(o) for o in history[0]] == [SMSError] * 3
    assert all("in time" in o.detail for o in history[1])
    assert all(isinstance(o, SMSSent) for o in history[2])
    assert sorted(sms.to for sms in africastalking.received) == sorted(m.to for m in messages)


def test_africastalking_an_invalid_number_is_a_permanent_failure(africastalking):
    africastalking.reject_numbers({INVALID})
    messages = [*alert(2), SMSMessage(to=INVALID, text=alert(1)[0].text)]
    good, other, bad = at_backend(africastalking).send_messages(messages)
    assert isinstance(good, SMSSent) and isinstance(other, SMSSent)
    assert isinstance(bad, SMSError) and bad.permanent and "InvalidPhoneNumber" in bad.detail
    assert africastalking.batch_sizes == [3]  # one request for the whole alert


def test_africastalking_a_wrong_api_key_is_a_permanent_failure(africastalking):
    outcomes = at_backend(africastalking, api_key="wrong").send_messages(alert(2))
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)


def test_a_provider_that_is_down_is_a_transient_failure():
    with FakeAfricasTalking() as fake:
        backend = at_backend(fake)
    (outcome,) = backend.send_messages(alert(1))
    assert isinstance(outcome, SMSError) and not outcome.permanent
