import json
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from django.utils import timezone

from monquartier.outbox.sms import (
    AfricasTalkingSMSBackend,
    DeliveryReport,
    InboundMessage,
    LocmemSMSBackend,
    OrangeSMSBackend,
    WebhookError,
)
from monquartier.outbox.sms.webhooks import PROVIDERS

AWA = "+2250707123456"
FORM = "application/x-www-form-urlencoded"
rf = RequestFactory()


def json_request(data, content_type="application/json"):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return rf.post("/sms/webhook/", data=body, content_type=content_type)


def form_request(fields, content_type=FORM):
    body = fields if isinstance(fields, str | bytes) else urlencode(fields)
    return rf.post("/sms/webhook/", data=body, content_type=content_type)


def orange_inbound(**changes):
    message = {
        "senderAddress": f"tel:{AWA}",
        "destinationAddress": "tel:+2250000",
        "message": "ALERTE vol à l'arraché rue 12",
        "messageId": "mo-123",
        "dateTime": "2025-03-14T18:05:09Z",
        **changes,
    }
    return {"inboundSMSMessageNotification": {"inboundSMSMessage": message}}


def orange_report(status="DeliveredToTerminal", **changes):
    info = {"address": f"tel:{AWA}", "deliveryStatus": status}
    return {"deliveryInfoNotification": {"callbackData": "d-42", "deliveryInfo": info, **changes}}


def at_inbound(**changes):
    fields = {
        "from": AWA,
        "to": "24455",
        "text": "ALERTE incendie marché",
        "date": "2025-03-14 18:05:09",
        "id": "at-mo-9",
        "linkId": "",
    }
    return {key: value for key, value in {**fields, **changes}.items() if value is not None}


def at_report(status="Success", **changes):
    fields = {
        "id": "ATXid_abc",
        "status": status,
        "phoneNumber": AWA,
        "networkCode": "61203",
        "retryCount": "0",
        **changes,
    }
    return {key: value for key, value in fields.items() if value is not None}


def test_an_orange_inbound_sms_is_read():
    (message,) = OrangeSMSBackend.parse_inbound(json_request(orange_inbound()))
    assert message == InboundMessage(
        provider_message_id="mo-123",
        sender=AWA,
        text="ALERTE vol à l'arraché rue 12",
        received_at=datetime(2025, 3, 14, 18, 5, 9, tzinfo=UTC),
    )


def test_an_orange_sender_without_a_plus_is_normalised():
    request = json_request(orange_inbound(senderAddress="tel:2250707123456"))
    assert OrangeSMSBackend.parse_inbound(request)[0].sender == AWA


def test_an_orange_inbound_without_a_date_is_dated_now():
    data = orange_inbound()
    del data["inboundSMSMessageNotification"]["inboundSMSMessage"]["dateTime"]
    (message,) = OrangeSMSBackend.parse_inbound(json_request(data))
    assert timezone.now() - message.received_at < timedelta(seconds=5)


def test_several_orange_inbound_sms_in_one_notification_are_all_read():
    one = orange_inbound()["inboundSMSMessageNotification"]["inboundSMSMessage"]
    two = {**one, "messageId": "mo-124"}
    data = {"inboundSMSMessageNotification": {"inboundSMSMessage": [one, two]}}
    ids = [m.provider_message_id for m in OrangeSMSBackend.parse_inbound(json_request(data))]
    assert ids == ["mo-123", "mo-124"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("DeliveredToTerminal", "delivered"),
        ("DeliveryImpossible", "failed"),
        ("DeliveredToNetwork", "pending"),
        ("MessageWaiting", "pending"),
        ("DeliveryUncertain", "pending"),
        ("SomethingNew", "pending"),
    ],
)
def test_orange_delivery_statuses_are_mapped(status, expected):
    (report,) = OrangeSMSBackend.parse_delivery_reports(json_request(orange_report(status)))
    assert report == DeliveryReport(
        provider_id="", reference="d-42", status=expected, detail=status
    )


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        "null",
        json.dumps({"inboundSMSMessageNotification": "text"}),
        json.dumps({"inboundSMSMessageNotification": {"inboundSMSMessage": []}}),
        json.dumps({"inboundSMSMessageNotification": {"inboundSMSMessage": ["x"]}}),
        json.dumps(orange_inbound(messageId=None)),
        json.dumps(orange_inbound(messageId="")),
        json.dumps(orange_inbound(message=12)),
        json.dumps(orange_inbound(senderAddress="tel:abc")),
        json.dumps(orange_inbound(senderAddress="tel:+225")),
        json.dumps(orange_inbound(senderAddress=None)),
        json.dumps(orange_inbound(dateTime=1710439509)),
        "[" * 50_000 + "]" * 10_000,
    ],
)
def test_a_malformed_orange_inbound_body_is_a_webhook_error(body):
    with pytest.raises(WebhookError):
        OrangeSMSBackend.parse_inbound(json_request(body))


@pytest.mark.parametrize(
    "data",
    [
        orange_report(callbackData=None),
        orange_report(callbackData=7),
        {"deliveryInfoNotification": {"callbackData": "d-42"}},
        {"deliveryInfoNotification": {"callbackData": "d-42", "deliveryInfo": {"address": AWA}}},
        orange_report(deliveryInfo={"address": "nowhere", "deliveryStatus": "DeliveredToTerminal"}),
        orange_inbound(),
    ],
)
def test_a_malformed_orange_delivery_report_is_a_webhook_error(data):
    with pytest.raises(WebhookError):
        OrangeSMSBackend.parse_delivery_reports(json_request(data))


def test_orange_webhooks_must_be_json():
    request = form_request(urlencode({"messageId": "x"}))
    with pytest.raises(WebhookError, match="application/json"):
        OrangeSMSBackend.parse_inbound(request)


def test_a_huge_webhook_body_is_refused():
    data = orange_inbound(message="x" * 70_000)
    with pytest.raises(WebhookError, match="too large"):
        OrangeSMSBackend.parse_inbound(json_request(data))


def test_a_body_that_is_not_utf8_is_refused():
    body = json.dumps(orange_inbound(message="café"), ensure_ascii=False).encode("latin-1")
    with pytest.raises(WebhookError, match="not valid utf-8"):
        OrangeSMSBackend.parse_inbound(json_request(body))


def test_an_africas_talking_inbound_sms_is_read():
    (message,) = AfricasTalkingSMSBackend.parse_inbound(form_request(at_inbound()))
    assert message == InboundMessage(
        provider_message_id="at-mo-9",
        sender=AWA,
        text="ALERTE incendie marché",
        received_at=datetime(2025, 3, 14, 18, 5, 9, tzinfo=UTC),
    )


@pytest.mark.parametrize("sender", ["2250707123456", "002250707123456", "0707123456"])
def test_an_africas_talking_sender_is_normalised_to_e164(sender):
    request = form_request(at_inbound(**{"from": sender}))
    assert AfricasTalkingSMSBackend.parse_inbound(request)[0].sender == AWA


def test_an_empty_inbound_sms_is_still_an_sms():
    (message,) = AfricasTalkingSMSBackend.parse_inbound(form_request(at_inbound(text="")))
    assert message.text == ""


def test_a_latin1_form_that_says_so_is_read():
    body = urlencode(at_inbound(text="marché"), encoding="latin-1")
    request = form_request(body, content_type=f"{FORM}; charset=ISO-8859-1")
    assert AfricasTalkingSMSBackend.parse_inbound(request)[0].text == "marché"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Success", "delivered"),
        ("Failed", "failed"),
        ("Rejected", "failed"),
        ("AbsentSubscriber", "failed"),
        ("Expired", "failed"),
        ("Sent", "pending"),
        ("Submitted", "pending"),
        ("Buffered", "pending"),
    ],
)
def test_africas_talking_delivery_statuses_are_mapped(status, expected):
    (report,) = AfricasTalkingSMSBackend.parse_delivery_reports(form_request(at_report(status)))
    assert (report.provider_id, report.reference, report.status) == ("ATXid_abc", "", expected)


def test_an_africas_talking_failure_reason_is_kept():
    request = form_request(at_report("Failed", failureReason="UserInBlacklist"))
    (report,) = AfricasTalkingSMSBackend.parse_delivery_reports(request)
    assert report.detail == "Failed (UserInBlacklist)"


@pytest.mark.parametrize(
    "fields",
    [
        at_inbound(id=None),
        at_inbound(**{"from": None}),
        at_inbound(**{"from": "abc"}),
        at_inbound(**{"from": "+225"}),
        at_inbound(text=None),
        "from=%2B2250707123456&id=1&text=%FF%FE",  # percent-encoded bytes, not UTF-8
        b"from=%2B2250707123456&id=1&text=\xff",
        "&".join(f"f{i}=x" for i in range(500)),
        "",
    ],
)
def test_a_malformed_africas_talking_inbound_body_is_a_webhook_error(fields):
    with pytest.raises(WebhookError):
        AfricasTalkingSMSBackend.parse_inbound(form_request(fields))


@pytest.mark.parametrize(
    "fields",
    [
        at_report(id=None),
        at_report(status=None),
        at_report(phoneNumber="x"),
        at_report(phoneNumber=None),
    ],
)
def test_a_malformed_africas_talking_delivery_report_is_a_webhook_error(fields):
    with pytest.raises(WebhookError):
        AfricasTalkingSMSBackend.parse_delivery_reports(form_request(fields))


def test_africas_talking_webhooks_must_be_forms():
    with pytest.raises(WebhookError, match="x-www-form-urlencoded"):
        AfricasTalkingSMSBackend.parse_inbound(json_request(at_inbound()))


def test_a_huge_form_is_refused():
    with pytest.raises(WebhookError, match="too large"):
        AfricasTalkingSMSBackend.parse_inbound(form_request(at_inbound(text="x" * 70_000)))


def test_provider_names_give_their_backend():
    assert PROVIDERS["orange"] is OrangeSMSBackend
    assert PROVIDERS["africastalking"] is AfricasTalkingSMSBackend


def test_backends_without_webhooks_say_so():
    with pytest.raises(WebhookError, match="not supported"):
        LocmemSMSBackend.parse_inbound(json_request({}))
    with pytest.raises(WebhookError, match="not supported"):
        LocmemSMSBackend.parse_delivery_reports(json_request({}))


def _garbage_bodies():
    rng = random.Random(20250314)  # the same garbage on every run
    yield b""
    yield b"\x00\x01\x02"
    yield "😀" * 10
    yield json.dumps({"a": [None, True, 1.5, {"b": []}]})
    yield json.dumps(orange_inbound(messageId={"nested": 1}))
    yield urlencode({"id": "1", "from": "tel:", "text": "x"})
    for _ in range(40):
        yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))


@pytest.mark.parametrize("name", sorted(PROVIDERS))
@pytest.mark.parametrize("parser", ["parse_inbound", "parse_delivery_reports"])
@pytest.mark.parametrize("content_type", ["application/json", FORM, "text/plain", ""])
def test_garbage_of_any_kind_raises_only_webhook_errors(name, parser, content_type):
    parse = getattr(PROVIDERS[name], parser)
    for body in _garbage_bodies():
        request = rf.post("/sms/webhook/", data=body, content_type=content_type)
        with pytest.raises(WebhookError):
            parse(request)
