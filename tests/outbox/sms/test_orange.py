"""The Orange backend over real HTTP, against the local fake Orange API (tests/fakes).

The backend keeps its token in Django's cache under a key made of the API's URL: each
fake listens on a port of its own, and tests/conftest.py empties the cache before every
test, so no test starts with another's token.
"""

import base64
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from monquartier.outbox.sms import (
    OrangeSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
)
from tests.fakes import ports
from tests.fakes.sms_providers import FakeOrange

SEND_PATH = "/smsmessaging/v1/outbound/tel%3A%2B2250000/requests"
OPTIONS = {
    "sender_address": "tel:+2250000",
    "sender_name": "MonQuartier",
    "notify_url": "https://monquartier.ci/sms/orange/delivery/",
    # Connect and read: a scripted timeout (2 s) costs a test one second, and a loaded CI
    # machine still answers in time.
    "timeout": (1, 1.0),
}
AWA = "+2250707123456"
REJECTED = "+2250101010101"


@pytest.fixture
def orange():
    with FakeOrange() as fake:
        yield fake


@pytest.fixture
def backend(orange, closing):
    """Makes backends talking to the fake."""
    defaults = {"api_url": orange.url, **orange.credentials, **OPTIONS}
    return lambda **overrides: closing(OrangeSMSBackend, **{**defaults, **overrides})


def sms(to=AWA, text="Alerte: vol signalé", reference="d-1"):
    return SMSMessage(to=to, text=text, reference=reference)


def sent_request(fake, index=0):
    return fake.calls[index].json["outboundSMSMessageRequest"]


def bearers(fake):
    return [call.headers["Authorization"] for call in fake.calls]


def token_answer(token, lifetime="3600"):
    return {"token_type": "Bearer", "access_token": token, "expires_in": lifetime}


def test_a_message_is_sent_in_orange_s_request_format(orange, backend):
    orange.answer_token_next(200, token_answer("tok-1"))

    (outcome,) = backend().send_messages([sms()])

    (received,) = orange.received
    assert isinstance(outcome, SMSSent) and outcome.provider_id == received.provider_id
    assert outcome.provider_id
    (token_request,) = orange.token_calls
    client = "{client_id}:{client_secret}".format(**orange.credentials)
    basic = "Basic " + base64.b64encode(client.encode()).decode()
    assert token_request.headers["Authorization"] == basic
    assert token_request.body == b"grant_type=client_credentials"
    (request,) = orange.calls
    assert request.path == SEND_PATH
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert request.json == {
        "outboundSMSMessageRequest": {
            "address": f"tel:{AWA}",
            "senderAddress": "tel:+2250000",
            "senderName": "MonQuartier",
            "outboundSMSTextMessage": {"message": "Alerte: vol signalé"},
            "clientCorrelator": "d-1",
            "receiptRequest": {
                "notifyURL": "https://monquartier.ci/sms/orange/delivery/",
                "callbackData": "d-1",
            },
        }
    }


def test_no_receipt_is_requested_without_a_notify_url(orange, backend):
    (outcome,) = backend(notify_url="", sender_name="").send_messages([sms()])
    assert isinstance(outcome, SMSSent)
    body = sent_request(orange)
    assert "receiptRequest" not in body and "senderName" not in body


def test_the_text_goes_out_in_the_gsm_alphabet(orange, backend):
    backend().send_messages([sms(text="Fête « ce soir » 🎉")])
    assert sent_request(orange)["outboundSMSTextMessage"]["message"] == 'Fete " ce soir "'


def test_the_token_is_cached_between_batches_and_backends(orange, backend):
    backend().send_messages([sms(reference="d-1")])
    outcomes = backend().send_messages([sms(reference="d-2"), sms(reference="d-3")])
    assert all(isinstance(o, SMSSent) for o in outcomes)
    assert orange.token_requests == 1 and len(orange.token_calls) == 1
    assert orange.requests == 3
    assert len(set(bearers(orange))) == 1


def test_an_expired_token_is_refreshed_once_on_a_401(orange, backend):
    orange.answer_token_next(200, token_answer("tok-2"))
    sender = backend()
    cache.set(sender._cache_key, "tok-stale")  # unknown to the fake: refused with a 401

    (outcome,) = sender.send_messages([sms()])

    assert isinstance(outcome, SMSSent)
    assert bearers(orange) == ["Bearer tok-stale", "Bearer tok-2"]
    assert len(orange.token_calls) == 1
    assert cache.get(sender._cache_key) == "tok-2"


def test_a_401_even_with_a_fresh_token_is_a_permanent_failure(orange, backend):
    orange.answer_next(401, {"code": 42, "message": "Expired"}, count=2)
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert orange.requests == 2 and len(orange.token_calls) == 2
    first, second = bearers(orange)
    assert first != second  # the second try had a token fetched anew


def test_an_invalid_number_refused_by_orange_is_a_permanent_failure(orange, backend):
    orange.reject_numbers({AWA})  # Orange's answer quotes the number
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert "SVC0004" in outcome.detail
    assert "0707123456" not in outcome.detail


def test_a_policy_error_is_a_permanent_failure(orange, backend):
    error = {"requestError": {"policyException": {"messageId": "POL0001", "text": "Policy"}}}
    orange.answer_next(400, error)
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError)
    assert outcome.permanent and "POL0001" in outcome.detail


def test_a_forbidden_access_is_a_permanent_failure(orange, backend):
    orange.answer_next(403, {"code": 50, "message": "Access denied"})
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError)
    assert outcome.permanent and "Access denied" in outcome.detail


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 404])
def test_throttling_server_errors_and_unknown_answers_are_transient(orange, backend, status):
    orange.answer_next(status, body="oops", content_type="text/plain")
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and not outcome.permanent


@contextmanager
def fake_holding_the_request(orange, backend):
    orange.timeout_next(seconds=2)
    yield backend()


@contextmanager
def fake_hanging_up(orange, backend):
    orange.timeout_next(seconds=0)
    yield backend()


def backend_with_a_token(backend, port):
    """A backend for the API at port, with a token cached: it goes straight to sending."""
    sender = backend(api_url=f"http://127.0.0.1:{port}")
    cache.set(sender._cache_key, "tok-1")
    return sender


@contextmanager
def port_never_accepting(orange, backend):
    with ports.never_accepting() as port:
        yield backend_with_a_token(backend, port)


@contextmanager
def port_refusing(orange, backend):
    with ports.refusing() as port:
        yield backend_with_a_token(backend, port)


@pytest.mark.parametrize(
    ("unreachable", "detail"),
    [
        (fake_holding_the_request, "did not answer in time"),
        (port_never_accepting, "did not answer in time"),
        (fake_hanging_up, "could not reach Orange"),
        (port_refusing, "could not reach Orange"),
    ],
)
def test_timeouts_and_connection_errors_are_transient(orange, backend, unreachable, detail):
    with unreachable(orange, backend) as sender:
        (outcome,) = sender.send_messages([sms()])
    assert isinstance(outcome, SMSError) and not outcome.permanent
    assert detail in outcome.detail
    assert not orange.received


def test_refused_client_credentials_fail_the_whole_batch_permanently(orange, backend):
    orange.answer_token_next(401, {"error": "invalid_client"})
    outcomes = backend().send_messages([sms(reference="a"), sms(reference="b")])
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)
    assert len(orange.token_calls) == 1
    assert not orange.calls


def test_an_unreachable_token_endpoint_fails_the_whole_batch_transiently(orange, backend):
    orange.timeout_token_next(seconds=0)
    outcomes = backend().send_messages([sms(reference="a"), sms(reference="b")])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)
    assert len(orange.token_calls) == 1
    assert not orange.calls


def test_a_token_without_a_lifetime_is_used_but_not_cached(orange, backend):
    orange.answer_token_next(200, token_answer("tok-x", lifetime="?"), count=2)
    sender = backend()
    first = sender.send_messages([sms()])
    second = backend().send_messages([sms()])
    assert all(isinstance(o, SMSSent) for o in first + second)
    assert len(orange.token_calls) == 2
    assert bearers(orange) == ["Bearer tok-x", "Bearer tok-x"]
    assert cache.get(sender._cache_key) is None


def test_an_invalid_number_is_a_permanent_failure_without_a_request(orange, backend):
    (outcome,) = backend().send_messages([sms(to="12")])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert not orange.calls


def test_a_batch_goes_out_concurrently_and_outcomes_keep_their_order(orange, backend):
    orange.reject_numbers({REJECTED})
    messages = [
        sms(to=REJECTED if i % 7 == 3 else f"+22507071234{i:02d}", reference=f"d-{i}")
        for i in range(30)
    ]

    outcomes = backend(threads=8).send_messages(messages)

    assert [o.message for o in outcomes] == messages
    provider_ids = {got.reference: got.provider_id for got in orange.received}
    assert len(set(provider_ids.values())) == len(provider_ids) == 30 - 4
    for i, outcome in enumerate(outcomes):
        if i % 7 == 3:
            assert isinstance(outcome, SMSError) and outcome.permanent
        else:
            assert outcome == SMSSent(message=messages[i], provider_id=provider_ids[f"d-{i}"])
    assert orange.token_requests == 1 and len(orange.token_calls) == 1


def test_the_provider_id_falls_back_to_the_client_correlator(orange, backend):
    orange.answer_next(201, {"outboundSMSMessageRequest": {"clientCorrelator": "d-1"}})
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSSent) and outcome.provider_id == "d-1"


def test_logs_carry_neither_full_numbers_nor_message_bodies(orange, backend, caplog):
    orange.reject_numbers({AWA})
    with caplog.at_level("DEBUG", logger="monquartier.outbox.sms"):
        backend().send_messages([sms(text="Code secret 481516")])
    assert caplog.records
    assert "0707123456" not in caplog.text
    assert "481516" not in caplog.text


def test_settings_configure_the_backend(settings, orange):
    settings.ORANGE_SMS_API_URL = orange.url
    settings.ORANGE_SMS_CLIENT_ID = orange.credentials["client_id"]
    settings.ORANGE_SMS_CLIENT_SECRET = orange.credentials["client_secret"]
    settings.ORANGE_SMS_SENDER_ADDRESS = "+2250000"  # tel: is added
    settings.ORANGE_SMS_THREADS = 3
    settings.SMS_BACKEND = "monquartier.outbox.sms.OrangeSMSBackend"

    sender = get_sms_backend()
    try:
        (outcome,) = sender.send_messages([sms()])
    finally:
        sender.close()

    assert isinstance(sender, OrangeSMSBackend) and sender.threads == 3
    assert isinstance(outcome, SMSSent)
    assert orange.calls[0].path == SEND_PATH
    assert sent_request(orange)["senderAddress"] == "tel:+2250000"


def test_missing_credentials_are_a_configuration_error(backend):
    with pytest.raises(ImproperlyConfigured, match="ORANGE_SMS_CLIENT_SECRET"):
        OrangeSMSBackend(client_id="client", sender_address="tel:+2250000")
    for threads in ("zero", "²", "9" * 5000):
        with pytest.raises(ImproperlyConfigured, match="ORANGE_SMS_THREADS"):
            backend(threads=threads)
