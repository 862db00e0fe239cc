"""Chromium, too, reaches nothing outside the loopback (the flags of tests/chromium.py):
navigations and a page's own requests to an outside address or name fail at once, while
the live server and the map tiles' local address are reached as usual."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests import factories
from tests.browser.test_account_journeys import log_in
from tests.network_guard import is_local_host

FETCH = """async (url) => {
    try { await fetch(url, {mode: "no-cors"}); return "reached"; }
    catch (error) { return "refused"; }
}"""


@pytest.mark.parametrize("outside", ["http://203.0.113.1/", "https://tile.openstreetmap.org/"])
def test_chromium_cannot_open_an_outside_address(page, outside):
    with pytest.raises(PlaywrightError, match="ERR_PROXY_CONNECTION_FAILED"):
        page.goto(outside, timeout=5_000)


def test_a_page_reaches_the_live_server_but_nothing_outside(page, live_server):
    page.goto("/")
    assert page.evaluate(FETCH, live_server.url + "/sante/") == "reached"
    assert page.evaluate(FETCH, "http://203.0.113.1/") == "refused"
    assert page.evaluate(FETCH, "https://unpkg.com/leaflet/dist/leaflet.js") == "refused"


def test_a_page_with_a_map_asks_only_the_loopback_for_its_tiles(page):
    factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    log_in(page, "yao.kouassi@exemple.ci")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(reverse("accounts:home"))
    page.wait_for_load_state("networkidle")
    assert any("/tiles/" in url for url in requested)
    assert [url for url in requested if not is_local_host(urlsplit(url).hostname)] == []
