"""Browser tests: Playwright drives Debian's Chromium against the live test server.

Playwright's sync API runs an event loop in the test thread; the Django calls the tests
make there (reading the outbox, the database) are ordinary blocking calls, hence
DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import contextlib
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


# What Chromium says when the page under a script navigated away.
NAVIGATED_AWAY = ("reading 'documentElement'", "Execution context was destroyed")


class AccessibilityChecker:
    """Runs axe-core on a page and fails on any serious or critical violation."""

    def __init__(self):
        self.axe = Axe()
        self.checked: list[str] = []

    def __call__(self, page) -> None:
        page.wait_for_load_state("load")
        try:
            results = self.axe.run(page)
        except PlaywrightError as error:
            # A click just before may have started a navigation that replaced the
            # document while axe was reading it: check the new page once it has loaded.
            if not any(sign in str(error) for sign in NAVIGATED_AWAY):
                raise
            page.wait_for_load_state("load")
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
