"""No 500 for any id in a URL or any number in a query string (core/parsing.py)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from monquartier.core.parsing import MAX_ID, IdConverter, parse_id, parse_positive_int
from tests import factories
from tests.messaging.conftest import write

BEYOND_64_BITS = str(MAX_ID + 1)
BAD_NUMBERS = ["12", "²", "٣", "9" * 5000, "-1", "", BEYOND_64_BITS]


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("12", 12),
        (" 12 ", 12),
        (str(MAX_ID), MAX_ID),
        (BEYOND_64_BITS, None),
        ("9" * 5000, None),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("0", None),
        ("+1", None),
        ("1.5", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_parse_id_reads_only_a_plain_ascii_number_in_range(value, parsed):
    assert parse_id(value) == parsed


def test_parse_positive_int_has_a_maximum():
    assert parse_positive_int("30", maximum=30) == 30
    assert parse_positive_int("31", maximum=30) is None


def _patterns(resolvers=None, prefix=""):
    """(route, pattern) for every URL pattern of the project, includes unfolded."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _id_routes():
    routes = []
    for route, entry in _patterns():
        converters = getattr(entry.pattern, "converters", {})
        if any(isinstance(c, IdConverter | IntConverter) for c in converters.values()):
            routes.append(route)
    return routes


def test_every_id_in_a_url_is_bounded():
    unbounded = [
        route
        for route, entry in _patterns()
        if any(
            type(converter) is IntConverter
            for converter in getattr(entry.pattern, "converters", {}).values()
        )
    ]
    assert unbounded == [], "use <id:…> rather than <int:…>"


def _fill(route: str, number: str) -> str:
    def value(match):
        return number if match.group(1) == "id" else "x"

    return "/" + re.sub(r"<(\w+):\w+>", value, route.lstrip("^").rstrip("$"))


@pytest.mark.parametrize("route", _id_routes())
@pytest.mark.parametrize("number", [BEYOND_64_BITS, "9" * 5000])
def test_an_id_beyond_64_bits_is_not_found_on_every_url(client, riviera, awa, route, number):
    factories.log_in(client, awa)
    assert client.get(_fill(route, number)).status_code == 404
    assert client.post(_fill(route, number)).status_code == 404


@pytest.fixture
def list_pages(riviera, awa, yao):
    conversation = write(awa, [yao]).conversation
    return [
        (reverse("alerts:list"), "page", {}),
        (reverse("gazette:list"), "page", {}),
        (reverse("communities:directory", args=[riviera.pk]), "page", {}),
        (reverse("communities:history", args=[riviera.pk]), "page", {}),
        (reverse("public:communes"), "page", {}),
        (reverse("messaging:list"), "page", {}),
        (reverse("messaging:conversation", args=[conversation.pk]), "avant", {}),
        (reverse("messaging:compose"), "to", {}),
        (reverse("messaging:compose"), "a", {}),
        (reverse("messaging:compose"), "page", {}),
        (reverse("messaging:people"), "to", {"HTTP_HX_REQUEST": "true"}),
        (reverse("messaging:people"), "page", {"HTTP_HX_REQUEST": "true"}),
        (reverse("dev_outbox"), "page", {}),
    ]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_list_pages_answer_any_number_in_their_query_without_a_500(client, awa, list_pages, value):
    factories.log_in(client, awa)
    for url, parameter, headers in list_pages:
        response = client.get(url, {parameter: value}, **headers)
        assert response.status_code in (200, 302, 404), (url, parameter, response.status_code)


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, BEYOND_64_BITS, "-1", ""])
def test_an_orange_delivery_report_with_an_odd_reference_changes_nothing(client, riviera, value):
    import json

    body = {
        "deliveryInfoNotification": {
            "callbackData": value or " ",
            "deliveryInfo": {
                "address": "tel:+2250707123456",
                "deliveryStatus": "DeliveredToTerminal",
            },
        }
    }
    response = client.post(
        reverse("sms_reports", args=["orange", "dev-webhook-secret"]),
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["updated"] == 0


def _admin_object_routes():
    return [route for route, entry in _patterns() if "<path:object_id>" in route]


@pytest.mark.parametrize("route", _admin_object_routes())
def test_the_admin_answers_an_id_beyond_64_bits_without_a_500(client, mariam, route):
    factories.log_in(client, mariam)
    url = "/" + route.replace("<path:object_id>", BEYOND_64_BITS)
    assert client.get(url).status_code < 500
