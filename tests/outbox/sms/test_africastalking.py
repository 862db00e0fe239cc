import json
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from monquartier.outbox.sms import (
    AfricasTalkingSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
)
from monquartier.outbox.sms.africastalking import SANDBOX_API_URL

OPTIONS = {"username": "sandbox", "api_key": "key-123", "api_url": SANDBOX_API_URL}
ALERT = "Alerte Riviera 2: cambriolage signalé rue des Jardins."


def backend(**overrides):
    return AfricasTalkingSMSBackend(**{**OPTIONS, **overrides})


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


def form(call):
    return {name: values[0] for name, values in parse_qs(call.request.body).items()}


def answer_all(request):
    """Every recipient accepted, as Africa's Talking does for valid numbers."""
    to = parse_qs(request.body)["to"][0].split(",")
    data = {"SMSMessageData": {"Message": "ok", "Recipients": [recipient(n) for n in to]}}
    return 201, {}, json.dumps(data)


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_a_batch_goes_out_in_africas_talking_s_request_format(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)

    outcomes = backend(sender_id="MonQuartier").send_messages([sms(number(1)), sms(number(2))])

    assert [o.provider_id for o in outcomes] == ["ATXid_0000001", "ATXid_0000002"]
    (call,) = api.calls
    assert call.request.headers["apiKey"] == "key-123"
    assert call.request.headers["Accept"] == "application/json"
    assert form(call) == {
        "username": "sandbox",
        "to": f"{number(1)},{number(2)}",
        "message": ALERT,
        "bulkSMSMode": "1",
        "from": "MonQuartier",
    }


def test_2500_identical_messages_go_out_in_three_requests(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    messages = [sms(number(i)) for i in range(2500)]

    outcomes = backend().send_messages(messages)

    sizes = [len(form(call)["to"].split(",")) for call in api.calls]
    assert sizes == [1000, 1000, 500]
    assert all(isinstance(o, SMSSent) for o in outcomes)
    assert [o.message for o in outcomes] == messages
    assert outcomes[1234].provider_id == f"ATXid_{number(1234)[-7:]}"


def test_different_texts_go_in_different_requests(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    outcomes = backend().send_messages(
        [sms(number(1), "A"), sms(number(2), "B"), sms(number(3), "A")]
    )
    assert sorted(form(call)["to"] for call in api.calls) == [
        f"{number(1)},{number(3)}",
        number(2),
    ]
    assert all(isinstance(o, SMSSent) for o in outcomes)


def test_each_recipient_s_status_is_mapped_back_to_its_message(api):
    answer = [
        recipient(number(3), 403, "InvalidPhoneNumber"),
        recipient(number(1), 101),
        recipient(number(2), 405, "InsufficientBalance"),
        recipient(number(4), 406, "UserInBlacklist"),
        recipient(number(5), 102, "Queued"),
        recipient(number(6), 999, "SomethingNew"),
    ]
    api.add(
        responses.POST, SANDBOX_API_URL, status=201, json={"SMSMessageData": {"Recipients": answer}}
    )
    messages = [sms(number(i)) for i in range(1, 8)]

    sent, balance, invalid, blacklisted, queued, unknown, missing = backend().send_messages(
        messages
    )

    assert isinstance(sent, SMSSent) and sent.message.to == number(1)
    assert isinstance(queued, SMSSent)
    assert invalid.permanent and "InvalidPhoneNumber" in invalid.detail
    assert invalid.message.to == number(3)
    assert blacklisted.permanent
    assert not balance.permanent  # top up, and it goes
    assert not unknown.permanent  # a code we do not know: try again
    assert not missing.permanent and missing.message.to == number(7)


@pytest.mark.parametrize("code", [401, 402, 403, 404, 406, 409])
def test_final_recipient_codes_are_permanent_failures(api, code):
    answer = {"SMSMessageData": {"Recipients": [recipient(number(1), code, "Refused")]}}
    api.add(responses.POST, SANDBOX_API_URL, status=201, json=answer)
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and outcome.permanent


@pytest.mark.parametrize("code", [405, 407, 500, 501, 502, "oops", None])
def test_other_recipient_codes_are_transient_failures(api, code):
    answer = {"SMSMessageData": {"Recipients": [recipient(number(1), code, "Failed")]}}
    api.add(responses.POST, SANDBOX_API_URL, status=201, json=answer)
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and not outcome.permanent


def test_the_same_number_twice_goes_in_two_requests_and_both_are_mapped(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    messages = [
        sms(number(1), reference="d-1"),
        sms(number(2), reference="d-2"),
        sms(number(1), reference="d-3"),
    ]

    outcomes = backend().send_messages(messages)

    assert [form(call)["to"] for call in api.calls] == [f"{number(1)},{number(2)}", number(1)]
    assert [o.message.reference for o in outcomes] == ["d-1", "d-2", "d-3"]
    assert all(isinstance(o, SMSSent) for o in outcomes)


def test_numbers_in_the_answer_are_matched_whatever_their_spelling(api):
    answer = {"SMSMessageData": {"Recipients": [recipient("2250700000001")]}}
    api.add(responses.POST, SANDBOX_API_URL, status=201, json=answer)
    (outcome,) = backend().send_messages([sms("+225 07 00 00 00 01")])
    assert isinstance(outcome, SMSSent)


@pytest.mark.parametrize("status", [401, 403, 400])
def test_a_refused_request_fails_the_whole_batch_permanently(api, status):
    api.add(
        responses.POST,
        SANDBOX_API_URL,
        status=status,
        body="The supplied authentication is invalid",
    )
    outcomes = backend().send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and o.permanent for o in outcomes)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_server_error_fails_the_whole_batch_transiently(api, status):
    api.add(responses.POST, SANDBOX_API_URL, status=status)
    outcomes = backend().send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)


@pytest.mark.parametrize(
    "error", [requests.ReadTimeout(), requests.ConnectTimeout(), requests.ConnectionError()]
)
def test_timeouts_and_connection_errors_fail_the_batch_transiently(api, error):
    api.add(responses.POST, SANDBOX_API_URL, body=error)
    outcomes = backend().send_messages([sms(number(1)), sms(number(2))])
    assert all(isinstance(o, SMSError) and not o.permanent for o in outcomes)


def test_an_unreadable_answer_fails_the_batch_transiently(api):
    api.add(responses.POST, SANDBOX_API_URL, status=201, body="<html>gateway</html>")
    (outcome,) = backend().send_messages([sms(number(1))])
    assert isinstance(outcome, SMSError) and not outcome.permanent


def test_a_failed_request_does_not_sink_the_other_requests(api):
    api.add(responses.POST, SANDBOX_API_URL, status=503)
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    outcomes = backend().send_messages([sms(number(1), "A"), sms(number(2), "B")])
    assert isinstance(outcomes[0], SMSError) and isinstance(outcomes[1], SMSSent)


def test_an_invalid_number_is_a_permanent_failure_and_is_not_sent(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    bad, good = backend().send_messages([sms("not a number"), sms(number(1))])
    assert isinstance(bad, SMSError) and bad.permanent
    assert isinstance(good, SMSSent)
    assert form(api.calls[0])["to"] == number(1)


def test_the_text_goes_out_in_the_gsm_alphabet(api):
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)
    backend().send_messages([sms(number(1), "Réunion à l’œil 👀")])
    assert form(api.calls[0])["message"] == "Réunion à l'oeil"


def test_an_empty_batch_sends_nothing(api):
    assert backend().send_messages([]) == []
    assert not api.calls


def test_settings_configure_the_backend(settings, api):
    settings.AFRICASTALKING_USERNAME = "sandbox"
    settings.AFRICASTALKING_API_KEY = "key-from-settings"
    settings.AFRICASTALKING_API_URL = SANDBOX_API_URL
    settings.AFRICASTALKING_SENDER_ID = ""
    api.add_callback(responses.POST, SANDBOX_API_URL, callback=answer_all)

    sender = get_sms_backend("monquartier.outbox.sms.AfricasTalkingSMSBackend")

    (outcome,) = sender.send_messages([sms(number(1))])
    assert isinstance(outcome, SMSSent)
    assert api.calls[0].request.headers["apiKey"] == "key-from-settings"
    assert "from" not in form(api.calls[0])


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
