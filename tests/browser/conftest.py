"""Browser tests: Playwright drives Debian's Chromium against the live test server.

Playwright's sync API runs an event loop in the test thread; the Django calls the tests
make there (reading the outbox, the database) are ordinary blocking calls, hence
DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import contextlib
import os
import socket

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium is outside the test process's network guard (tests/network_guard.py): every
# request it would send past the loopback goes to a "proxy" that refuses connections (a
# port bound and never listened on), and no name but localhost is looked up. Chromium
# always reaches the loopback directly, never through a proxy.
OUTSIDE_REFUSED_ARGS = [
    "--proxy-server=http://127.0.0.1:{port}",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]
# A low-end Android phone.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def refusing_port():
    """A loopback port that refuses every connection, for as long as the session lasts."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield closed.getsockname()[1]


@pytest.fixture(scope="session")
def browser(refusing_port):
    args = [*CHROMIUM_ARGS, *(arg.format(port=refusing_port) for arg in OUTSIDE_REFUSED_ARGS)]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, live_server, communes):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        geolocation={"latitude": 5.3601, "longitude": -3.9598},
        permissions=["geolocation"],
        **PHONE,
    )
    context.set_default_timeout(15_000)
    yield context
    # Let late requests (icons, photos) finish before the test database goes away.
    for page in context.pages:
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("networkidle", timeout=3_000)
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


class AccessibilityChecker:
    """Runs axe-core on a page and fails on any serious or critical violation."""

    def __init__(self):
        self.axe = Axe()
        self.checked: list[str] = []

    def __call__(self, page) -> None:
        results = self.axe.run(page)
        bad = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + ", ".join(node["html"][:120] for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{page.url}:\n" + "\n".join(bad)
        self.checked.append(page.url)


@pytest.fixture
def axe():
    return AccessibilityChecker()
