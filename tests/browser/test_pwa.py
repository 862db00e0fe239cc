"""The service worker and the manifest in Chromium: registration, offline alert pages,
forgetting them at log-out, and the push settings buttons.

Real push subscription needs a push service that headless Chromium does not reach: the
subscription endpoints are tested through the Django client (tests/notifications/test_pwa.py).
page.evaluate() goes through the DevTools protocol, which the page's CSP (no eval) allows.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from monquartier import urls as site_urls
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)

BASE_TEMPLATE = (Path(django_settings.BASE_DIR) / "templates" / "base.html").read_text()

SETTINGS_PAGE = """{% extends "base.html" %}{% load static %}
{% block title %}Notifications{% endblock %}
{% block content %}<h1>Notifications</h1>{% include "notifications/push_settings_snippet.html" %}{% endblock %}
{% block scripts %}{% if "push-subscribe.js" not in base_has %}<script src="{% static 'js/push-subscribe.js' %}" defer></script>{% endif %}{% endblock %}"""


def push_settings_page(request):
    """The snippet as the notification settings page will show it (that page is not ours)."""
    template = engines["django"].from_string(SETTINGS_PAGE)
    base_has = "push-subscribe.js" if "push-subscribe.js" in BASE_TEMPLATE else ""
    return HttpResponse(template.render({"base_has": base_has}, request))


urlpatterns = list(site_urls.urlpatterns)
if not any(getattr(pattern, "namespace", None) == "pwa" for pattern in urlpatterns):
    urlpatterns.insert(0, path("", include("monquartier.notifications.pwa_urls")))
urlpatterns.insert(0, path("test-pwa/reglages/", push_settings_page))

REGISTER = """async () => {
    await navigator.serviceWorker.register('/sw.js', {scope: '/', updateViaCache: 'none'});
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker.state !== 'activated') {
        await new Promise((resolve) => worker.addEventListener('statechange', () => {
            if (worker.state === 'activated') resolve();
        }));
    }
    return {scope: registration.scope, script: registration.active.scriptURL,
            state: registration.active.state};
}"""
WAIT_FOR_CONTROL = """async () => {
    for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return navigator.serviceWorker.controller !== null;
}"""
CACHES = "async () => (await caches.keys()).sort()"
WAIT_FOR_PAGES_FORGOTTEN = """async () => {
    for (let i = 0; i < 100 && await caches.has('mq-pages-v1'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return await caches.has('mq-pages-v1');
}"""
KEEP_A_PAGE = """async () => {
    const cache = await caches.open('mq-pages-v1');
    await cache.put(location.origin + '/alertes/7/', new Response('<h1>Alerte 7</h1>',
        {headers: {'Content-Type': 'text/html', 'X-Offline-Cacheable': '1'}}));
    return (await cache.keys()).length;
}"""


@pytest.fixture(autouse=True)
def _urls(settings, tmp_path):
    settings.ROOT_URLCONF = __name__
    settings.BASE_DIR = tmp_path  # the development VAPID key file goes there
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""


@pytest.fixture
def csp_errors(page):
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def registered(page) -> dict:
    """Register the worker as push-subscribe.js does, then reload: a page is not always
    claimed while it is still loading, and the one after always goes through the worker."""
    result = page.evaluate(REGISTER)
    page.reload()
    assert page.evaluate(WAIT_FOR_CONTROL), "the worker does not control the page"
    return result


def alert_page(route, cacheable: bool = True, title: str = "Alerte 7"):
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if cacheable:
        headers["X-Offline-Cacheable"] = "1"
    route.fulfill(
        status=200, headers=headers, body=f"<!doctype html><title>x</title><h1>{title}</h1>"
    )


def test_the_service_worker_registers_activates_and_controls_the_site(
    page, live_server, csp_errors
):
    page.goto("/")

    worker = page.evaluate(REGISTER)

    assert worker["scope"] == live_server.url + "/"
    assert worker["script"] == live_server.url + "/sw.js"
    assert worker["state"] == "activated"
    # The worker claims the page that registered it: no reload needed.
    assert page.evaluate(WAIT_FOR_CONTROL)
    page.reload()
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    assert page.evaluate(CACHES) == ["mq-static-v1"]  # the page's CSS went through it
    assert not csp_errors


def test_chromium_reads_the_manifest_without_errors_and_its_icons_load(page, live_server):
    page.goto("/")
    if not page.locator("link[rel=manifest]").count():  # until base.html links it
        page.evaluate(
            """() => { const link = document.createElement('link'); link.rel = 'manifest';
               link.href = '/manifest.webmanifest'; document.head.append(link); }"""
        )
    devtools = page.context.new_cdp_session(page)

    manifest = devtools.send("Page.getAppManifest")

    assert manifest["url"] == live_server.url + "/manifest.webmanifest"
    assert manifest["errors"] == []
    assert '"name": "MonQuartier"' in manifest["data"]
    icons = page.request.get("/manifest.webmanifest").json()["icons"]
    for icon in icons:
        answer = page.request.get(icon["src"])
        assert answer.ok and answer.headers["content-type"] == "image/png", icon["src"]


@pytest.mark.skipif(
    'rel="manifest"' not in BASE_TEMPLATE, reason="base.html does not link the manifest yet"
)
def test_every_page_links_the_manifest(page):
    page.goto("/")
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"


def test_alert_pages_that_allow_it_are_kept_for_reading_offline(context, page):
    page.goto("/")
    registered(page)
    context.route("**/alertes/7/", alert_page)
    context.route(
        "**/alertes/8/", lambda route: alert_page(route, cacheable=False, title="Alerte 8")
    )
    page.goto("/alertes/7/")
    expect(page.get_by_role("heading", name="Alerte 7")).to_be_visible()
    page.goto("/alertes/8/")
    expect(page.get_by_role("heading", name="Alerte 8")).to_be_visible()
    page.goto("/")  # the home page is never kept

    context.unroute_all()
    context.set_offline(True)
    try:
        page.goto("/alertes/7/")
        expect(page.get_by_role("heading", name="Alerte 7")).to_be_visible()
        # Static files come from the cache.
        assert page.evaluate("async () => (await fetch('/static/css/app.css')).status") == 200
        # A page that did not allow it falls back to the alert list, absent here: an error.
        with pytest.raises(PlaywrightError):
            page.goto("/alertes/8/")
        with pytest.raises(PlaywrightError):
            page.goto("/")
    finally:
        context.set_offline(False)


def test_the_logout_message_forgets_the_kept_pages(page):
    page.goto("/")
    registered(page)
    assert page.evaluate(KEEP_A_PAGE) == 1

    page.evaluate("() => navigator.serviceWorker.controller.postMessage({type: 'logout'})")

    assert page.evaluate(WAIT_FOR_PAGES_FORGOTTEN) is False


def test_logging_out_forgets_the_kept_alert_pages(page, awa, csp_errors):
    log_in(page, "awa.kone@exemple.ci")
    page.goto("/test-pwa/reglages/")
    registered(page)
    assert page.evaluate(KEEP_A_PAGE) == 1

    page.get_by_role("button", name="Déconnexion").click()
    page.get_by_role("link", name="Connexion").first.wait_for()

    assert page.evaluate(WAIT_FOR_PAGES_FORGOTTEN) is False
    assert not csp_errors


def test_the_push_settings_offer_to_turn_notifications_on(page, awa, axe, csp_errors):
    log_in(page, "awa.kone@exemple.ci")

    page.goto("/test-pwa/reglages/")

    # push-subscribe.js registers the worker by itself.
    script = page.evaluate("async () => (await navigator.serviceWorker.ready).active.scriptURL")
    assert script.endswith("/sw.js")
    expect(page.get_by_role("status")).to_have_text(
        "Les notifications ne sont pas activées sur ce téléphone."
    )
    expect(
        page.get_by_role("button", name="Activer les notifications sur ce téléphone")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Désactiver")).to_be_hidden()
    axe(page)
    assert not csp_errors


def test_a_refused_permission_is_explained(browser, live_server, communes, awa):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        page = context.new_page()
        log_in(page, "awa.kone@exemple.ci")
        page.goto("/test-pwa/reglages/")
        # Headless Chromium answers "denied" without asking when nothing was granted.
        page.get_by_role("button", name="Activer les notifications sur ce téléphone").click()
        expect(page.get_by_role("status")).to_contain_text("bloque les notifications")
    finally:
        context.close()
