import base64
import json

import pytest
import requests
import responses
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from monquartier.outbox.sms import (
    OrangeSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
)

API = "https://orange.test"
TOKEN_URL = f"{API}/oauth/v3/token"
SEND_URL = f"{API}/smsmessaging/v1/outbound/tel%3A%2B2250000/requests"
OPTIONS = {
    "api_url": API,
    "client_id": "client",
    "client_secret": "secret",
    "sender_address": "tel:+2250000",
    "sender_name": "MonQuartier",
    "notify_url": "https://monquartier.ci/sms/orange/delivery/",
}
AWA = "+2250707123456"


def backend(**overrides):
    return OrangeSMSBackend(**{**OPTIONS, **overrides})


def sms(to=AWA, text="Alerte: vol signalé", reference="d-1"):
    return SMSMessage(to=to, text=text, reference=reference)


def accepted(request):
    body = json.loads(request.body)["outboundSMSMessageRequest"]
    body["resourceURL"] = f"{SEND_URL}/res-{body.get('clientCorrelator', 'x')}"
    return 201, {}, json.dumps({"outboundSMSMessageRequest": body})


def service_error(message_id, text="No valid addresses provided in message part %1"):
    exception = {"messageId": message_id, "text": text, "variables": [f"tel:{AWA}"]}
    return {"requestError": {"serviceException": exception}}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST,
            TOKEN_URL,
            json={"token_type": "Bearer", "access_token": "tok-1", "expires_in": "3600"},
        )
        yield mock


def token_calls(api):
    return [call for call in api.calls if call.request.url == TOKEN_URL]


def send_calls(api):
    return [call for call in api.calls if call.request.url == SEND_URL]


def test_a_message_is_sent_in_orange_s_request_format(api):
    api.add_callback(responses.POST, SEND_URL, callback=accepted)

    (outcome,) = backend().send_messages([sms()])

    assert isinstance(outcome, SMSSent) and outcome.provider_id == "res-d-1"
    token_request = token_calls(api)[0].request
    expected = "Basic " + base64.b64encode(b"client:secret").decode()
    assert token_request.headers["Authorization"] == expected
    assert token_request.body == "grant_type=client_credentials"
    request = send_calls(api)[0].request
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert json.loads(request.body) == {
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


def test_no_receipt_is_requested_without_a_notify_url(api):
    api.add_callback(responses.POST, SEND_URL, callback=accepted)
    backend(notify_url="", sender_name="").send_messages([sms()])
    body = json.loads(send_calls(api)[0].request.body)["outboundSMSMessageRequest"]
    assert "receiptRequest" not in body and "senderName" not in body


def test_the_text_goes_out_in_the_gsm_alphabet(api):
    api.add_callback(responses.POST, SEND_URL, callback=accepted)
    backend().send_messages([sms(text="Fête « ce soir » 🎉")])
    body = json.loads(send_calls(api)[0].request.body)["outboundSMSMessageRequest"]
    assert body["outboundSMSTextMessage"]["message"] == 'Fete " ce soir "'


def test_the_token_is_cached_between_batches_and_backends(api):
    api.add_callback(responses.POST, SEND_URL, callback=accepted)
    backend().send_messages([sms(reference="d-1")])
    backend().send_messages([sms(reference="d-2"), sms(reference="d-3")])
    assert len(token_calls(api)) == 1
    assert len(send_calls(api)) == 3


def test_an_expired_token_is_refreshed_once_on_a_401(api):
    api.add(responses.POST, SEND_URL, status=401, json={"code": 42, "message": "Expired"})
    api.add_callback(responses.POST, SEND_URL, callback=accepted)
    api.replace(responses.POST, TOKEN_URL, json={"access_token": "tok-2", "expires_in": "3600"})
    sender = backend()
    cache.set(sender._cache_key, "tok-stale")

    (outcome,) = sender.send_messages([sms()])

    assert isinstance(outcome, SMSSent)
    authorizations = [call.request.headers["Authorization"] for call in send_calls(api)]
    assert authorizations == ["Bearer tok-stale", "Bearer tok-2"]
    assert cache.get(sender._cache_key) == "tok-2"


def test_a_401_even_with_a_fresh_token_is_a_permanent_failure(api):
    api.add(responses.POST, SEND_URL, status=401, json={"code": 42, "message": "Expired"})
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert len(send_calls(api)) == 2 and len(token_calls(api)) == 2


def test_an_invalid_number_refused_by_orange_is_a_permanent_failure(api):
    api.add(responses.POST, SEND_URL, status=400, json=service_error("SVC0004"))
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert "SVC0004" in outcome.detail
    assert "0707123456" not in outcome.detail  # Orange quoted the number: masked


def test_a_policy_error_is_a_permanent_failure(api):
    error = {"requestError": {"policyException": {"messageId": "POL0001", "text": "Policy"}}}
    api.add(responses.POST, SEND_URL, status=400, json=error)
    (outcome,) = backend().send_messages([sms()])
    assert outcome.permanent and "POL0001" in outcome.detail


def test_a_forbidden_access_is_a_permanent_failure(api):
    api.add(responses.POST, SEND_URL, status=403, json={"code": 50, "message": "Access denied"})
    (outcome,) = backend().send_messages([sms()])
    assert outcome.permanent and "Access denied" in outcome.detail


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 404])
def test_throttling_server_errors_and_unknown_answers_are_transient(api, status):
    api.add(responses.POST, SEND_URL, status=status, body="oops")
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and not outcome.permanent


@pytest.mark.parametrize(
    "error", [requests.ReadTimeout(), requests.ConnectTimeout(), requests.ConnectionError()]
)
def test_timeouts_and_connection_errors_are_transient(api, error):
    api.add(responses.POST, SEND_URL, body=error)
    (outcome,) = backend().send_messages([sms()])
    assert isinstance(outcome, SMSError) and not outcome.permanent


def test_refused_client_credentials_fail_the_whole_batch_permanently(api):
    api.replace(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client"})
    outcomes = backend().send_messages([sms(reference="a"), sms(reference="b")])
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)
    assert not send_calls(api)


def test_an_unreachable_token_endpoint_fails_the_whole_batch_transiently(api):
    api.replace(responses.POST, TOKEN_URL, body=requests.ConnectionError())
    outcomes = backend().send_messages([sms(reference="a"), sms(reference="b")])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)


def test_a_token_without_a_lifetime_is_used_but_not_cached(api):
    api.replace(responses.POST, TOKEN_URL, json={"access_token": "tok-x", "expires_in": "?"})
    api.add_callback(responses.POST, SEND_URL, callback=accepted)
    backend().send_messages([sms()])
    backend().send_messages([sms()])
    assert len(token_calls(api)) == 2


def test_an_invalid_number_is_a_permanent_failure_without_a_request(api):
    (outcome,) = backend().send_messages([sms(to="12")])
    assert isinstance(outcome, SMSError) and outcome.permanent
    assert not send_calls(api)


def test_a_batch_goes_out_concurrently_and_outcomes_keep_their_order(api):
    rejected = "+2250101010101"

    def answer(request):
        body = json.loads(request.body)["outboundSMSMessageRequest"]
        if body["address"] == f"tel:{rejected}":
            return 400, {}, json.dumps(service_error("SVC0004"))
        return accepted(request)

    api.add_callback(responses.POST, SEND_URL, callback=answer)
    messages = [
        sms(to=rejected if i % 7 == 3 else f"+22507071234{i:02d}", reference=f"d-{i}")
        for i in range(30)
    ]

    outcomes = backend(threads=8).send_messages(messages)

    assert [o.message for o in outcomes] == messages
    for i, outcome in enumerate(outcomes):
        if i % 7 == 3:
            assert isinstance(outcome, SMSError) and outcome.permanent
        else:
            assert outcome == SMSSent(message=messages[i], provider_id=f"res-d-{i}")
    assert len(token_calls(api)) == 1


def test_the_provider_id_falls_back_to_the_client_correlator(api):
    api.add(
        responses.POST,
        SEND_URL,
        status=201,
        json={"outboundSMSMessageRequest": {"clientCorrelator": "d-1"}},
    )
    (outcome,) = backend().send_messages([sms()])
    assert outcome.provider_id == "d-1"


def test_logs_carry_neither_full_numbers_nor_message_bodies(api, caplog):
    api.add(responses.POST, SEND_URL, status=400, json=service_error("SVC0004"))
    with caplog.at_level("DEBUG", logger="monquartier.outbox.sms"):
        backend().send_messages([sms(text="Code secret 481516")])
    assert caplog.records
    assert "0707123456" not in caplog.text
    assert "481516" not in caplog.text


def test_settings_configure_the_backend(settings, api):
    settings.ORANGE_SMS_API_URL = API
    settings.ORANGE_SMS_CLIENT_ID = "client"
    settings.ORANGE_SMS_CLIENT_SECRET = "secret"
    settings.ORANGE_SMS_SENDER_ADDRESS = "+2250000"  # tel: is added
    settings.ORANGE_SMS_THREADS = 3
    settings.SMS_BACKEND = "monquartier.outbox.sms.OrangeSMSBackend"
    api.add_callback(responses.POST, SEND_URL, callback=accepted)

    sender = get_sms_backend()

    assert isinstance(sender, OrangeSMSBackend) and sender.threads == 3
    (outcome,) = sender.send_messages([sms()])
    assert isinstance(outcome, SMSSent)


def test_missing_credentials_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="ORANGE_SMS_CLIENT_SECRET"):
        OrangeSMSBackend(client_id="client", sender_address="tel:+2250000")
    for threads in ("zero", "²", "9" * 5000):
        with pytest.raises(ImproperlyConfigured, match="ORANGE_SMS_THREADS"):
            backend(threads=threads)
