"""The Africa's Talking backend over real HTTP, against the local fake (tests/fakes)."""

from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured

from monquartier.outbox.sms import (
    AfricasTalkingSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
)
from monquartier.outbox.sms.africastalking import SANDBOX_API_URL
from tests.fakes import ports
from tests.fakes.sms_providers import FakeAfricasTalking

# Connect and read timeouts: a scripted timeout (2 s) costs a test one second.
FAST = (1, 1.0)
ALERT = "Alerte Riviera 2: cambriolage signalé rue des Jardins."


@pytest.fixture
def fake():
    with FakeAfricasTalking() as server:
        yield server


@pytest.fixture
def backend(fake, closing):
    """Makes backends talking to the fake."""
    defaults = {"api_url": fake.api_url, "timeout": FAST, **fake.credentials}
    return lambda **overrides: closing(AfricasTalkingSMSBackend, **{**defaults, **overrides})


def sms(to, text=ALERT, reference=""):
    return SMSMessage(to=to, text=text, reference=reference)


def number(i):
    return f"+225070{i:07d}"


def recipient(to, code=101, status="Success"):
    message_id = f"ATXid_{to[-7:]}" if code in (100, 101, 102) else "None"
    return {
        "statusCode": code,
        "number": to,
        "status": status,
        "cost": "XOF 20",
        "messageId": message_id,
    }


def answer_with(*recipients):
    return {"SMSMessageData": {"Message": "scripted", "Recipients": list(recipients)}}


def sent_to(fake):
    return [call.form["to"] for call in fake.calls]


@contextmanager
def server_holding_the_request(fake):
    fake.timeout_next(seconds=2)
    yield fake.api_url


@contextmanager
def server_never_accepting(fake):
    with ports.never_accepting() as port:
        yield f"http://127.0.0.1:{port}/version1/messaging"


@contextmanager
def nothing_listening(fake):
    with ports.refusing() as port:
        yield f"http://127.0.0.1:{port}/version1/messaging"


def test_a_batch_goes_out_in_africas_talking_s_request_format(fake, backend):
    outcomes = backend(sender_id="MonQuartier").send_messages([sms(number(1)), sms(number(2))])

    assert [got.to for got in fake.received] == [number(1), number(2)]
    assert [o.provider_id for o in outcomes] == [got.provider_id for got in fake.received]
    assert all(o.provider_id for o in outcomes)
    (call,) = fake.calls
    assert call.path == "/version1/messaging"
    assert call.headers["apiKey"] == fake.credentials["api_key"]
    assert call.headers["Accept"] == "application/json"
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.form == {
        "username": fake.credentials["username"],
        "to": f"{number(1)},{number(2)}",
        "message": ALERT,
        "bulkSMSMode": "1",
        "from": "MonQuartier",
    }


def test_2500_identical_messages_go_out_in_three_requests(fake, backend):
    messages = [sms(number(i)) for i in range(2500)]

    outcomes = backend().send_messages(messages)

    assert [len(to.split(",")) for to in sent_to(fake)] == [1000, 1000, 500]
    assert all(isinstance(o, SMSSent) for o in outcomes)
    assert [o.message for o in outcomes] == messages
    ids = {got.to: got.provider_id for got in fake.received}
    assert len(ids) == 2500
    assert [o.provider_id for o in outcomes] == [ids[m.to] for m in messages]


def test_different_texts_go_in_different_requests(fake, backend):
    outcomes = backend().send_messages(
        [sms(number(1), "A"), sms(number(2), "B"), sms(number(3), "A")]
    )
    assert sorted(sent_to(fake)) == [f"{number(1)},{number(3)}", number(2)]
    assert {call.form["to"]: call.form["message"] for call in fake.calls} == {
        f"{number(1)},{number(3)}": "A",
        number(2): "B",
    }
    assert all(isinstance(o, SMSSent) for o in outcomes)


def test_each_recipient_s_status_is_mapped_back_to_its_message(fake, backend):
    fake.answer_next(
        201,
        answer_with(
            recipient(number(3), 403, "InvalidPhoneNumber"),
            recipient(number(1), 101),
            recipient(number(2), 405, "InsufficientBalance"),
            recipient(number(4), 406, "UserInBlacklist"),
            recipient(number(5), 102, "Queued"),
            recipient(number(6), 999, "SomethingNew"),
        ),
    )
    messages = [sms(number(i)) for i in range(1, 8)]

    sent, balance, invalid, blacklisted, queued, unknown, missing = backend().send_messages(
        messages
    )

    assert fake.requests == 1
    assert isinstance(sent, SMSSent) and sent.message.to == number(1)
    assert sent.provider_id == "ATXid_0000001"
    assert isinstance(queued, SMSSent)
    assert invalid.permanent and "InvalidPhoneNumber" in invalid.detail
    assert invalid.message.to == number(3)
    assert blacklisted.permanent
    assert not balance.permanent  # top up, and it goes
    assert not unknown.permanent  # a code we do not know: try again
    assert not missing.permanent and missing.message.to == number(7)


@pytest.mark.parametrize("code", [401, 402, 403, 404, 406, 409])
def test_final_recipient_codes_are_permanent_failures(fake, backend, code):
    fake.answer_next(201, answer_with(recipient(number(1), code, "Refused")))
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and outcome.permanent


@pytest.mark.parametrize("code", [405, 407, 500, 501, 502, "oops", None])
def test_other_recipient_codes_are_transient_failures(fake, backend, code):
    fake.answer_next(201, answer_with(recipient(number(1), code, "Failed")))
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and not outcome.permanent


def test_the_same_number_twice_goes_in_two_requests_and_both_are_mapped(fake, backend):
    messages = [
        sms(number(1), reference="d-1"),
        sms(number(2), reference="d-2"),
        sms(number(1), reference="d-3"),
    ]

    outcomes = backend().send_messages(messages)

    assert sent_to(fake) == [f"{number(1)},{number(2)}", number(1)]
    assert [o.message.reference for o in outcomes] == ["d-1", "d-2", "d-3"]
    assert all(isinstance(o, SMSSent) for o in outcomes)
    assert [o.provider_id for o in outcomes] == [got.provider_id for got in fake.received]


def test_numbers_in_the_answer_are_matched_whatever_their_spelling(fake, backend):
    fake.answer_next(201, answer_with(recipient("2250700000001")))
    (outcome,) = backend().send_messages([sms("+225 07 00 00 00 01")])
    assert sent_to(fake) == ["+2250700000001"]
    assert isinstance(outcome, SMSSent)


@pytest.mark.parametrize("status", [401, 403, 400])
def test_a_refused_request_fails_the_whole_batch_permanently(fake, backend, status):
    fake.answer_next(
        status, body="The supplied authentication is invalid", content_type="text/plain"
    )
    outcomes = backend().send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_fails_the_whole_batch_transiently(fake, backend, status):
    fake.fail_next(status)
    outcomes = backend().send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)


@pytest.mark.parametrize(
    ("unreachable", "detail"),
    [
        (server_holding_the_request, "did not answer in time"),
        (server_never_accepting, "did not answer in time"),
        (nothing_listening, "could not reach"),
    ],
)
def test_timeouts_and_connection_errors_fail_the_batch_transiently(
    fake, backend, unreachable, detail
):
    with unreachable(fake) as api_url:
        outcomes = backend(api_url=api_url).send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)
    assert all(detail in o.detail for o in outcomes)
    assert not fake.received


def test_an_unreadable_answer_fails_the_batch_transiently(fake, backend):
    fake.answer_next(201, body="<html>gateway</html>", content_type="text/html")
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and not outcome.permanent


def test_a_failed_request_does_not_sink_the_other_requests(fake, backend):
    fake.fail_next(503)
    outcomes = backend().send_messages([sms(number(1), "A"), sms(number(2), "B")])
    assert isinstance(outcomes[0], SMSError) and isinstance(outcomes[1], SMSSent)
    assert fake.requests == 2
    assert [got.to for got in fake.received] == [number(2)]


def test_an_invalid_number_is_a_permanent_failure_and_is_not_sent(fake, backend):
    bad, good = backend().send_messages([sms("not a number"), sms(number(1))])
    assert isinstance(bad, SMSError) and bad.permanent
    assert isinstance(good, SMSSent)
    assert sent_to(fake) == [number(1)]


def test_the_text_goes_out_in_the_gsm_alphabet(fake, backend):
    backend().send_messages([sms(number(1), "Réunion à l’œil 👀")])
    assert fake.calls[0].form["message"] == "Réunion à l'oeil"
    assert [got.text for got in fake.received] == ["Réunion à l'oeil"]


def test_an_empty_batch_sends_nothing(fake, backend):
    assert backend().send_messages([]) == []
    assert fake.requests == 0


def test_settings_configure_the_backend(settings, fake):
    settings.AFRICASTALKING_USERNAME = fake.credentials["username"]
    settings.AFRICASTALKING_API_KEY = fake.credentials["api_key"]
    settings.AFRICASTALKING_API_URL = fake.api_url
    settings.AFRICASTALKING_SENDER_ID = ""

    sender = get_sms_backend("monquartier.outbox.sms.AfricasTalkingSMSBackend")
    try:
        (outcome,) = sender.send_messages([sms(number(1))])
    finally:
        sender.close()

    assert isinstance(outcome, SMSSent)
    assert fake.calls[0].headers["apiKey"] == fake.credentials["api_key"]
    assert fake.calls[0].form["username"] == fake.credentials["username"]
    assert "from" not in fake.calls[0].form


def test_the_live_api_is_the_default(settings):
    settings.AFRICASTALKING_API_URL = ""
    assert AfricasTalkingSMSBackend(username="u", api_key="k").api_url == (
        "https://api.africastalking.com/version1/messaging"
    )


def test_the_sandbox_account_uses_the_sandbox_api(settings):
    settings.AFRICASTALKING_API_URL = ""
    assert AfricasTalkingSMSBackend(username="sandbox", api_key="k").api_url == SANDBOX_API_URL


def test_missing_credentials_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="AFRICASTALKING_API_KEY"):
        AfricasTalkingSMSBackend(username="sandbox")
