"""The installable web app (manifest, service worker) and the push subscription endpoints,
through the Django test client."""

import base64
import gzip
import json
import os
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path, reverse
from PIL import Image

from monquartier import urls as site_urls
from monquartier.notifications.links import signed_path
from monquartier.outbox.models import PushSubscription
from monquartier.outbox.push import vapid_keys
from tests import factories

# Until the site's urls.py includes pwa_urls, these tests add it themselves.
urlpatterns = list(site_urls.urlpatterns)
if not any(getattr(pattern, "namespace", None) == "pwa" for pattern in urlpatterns):
    urlpatterns.insert(0, path("", include("monquartier.web.pwa_urls")))

ENDPOINT = "https://fcm.googleapis.com/fcm/send/dGVzdC1zdWJzY3JpcHRpb24"


@pytest.fixture(autouse=True)
def _pwa_settings(settings, tmp_path):
    settings.ROOT_URLCONF = __name__
    settings.BASE_DIR = tmp_path  # the development VAPID key file goes there
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys() -> dict:
    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64(public), "auth": b64(os.urandom(16))}


def subscription_json(endpoint: str = ENDPOINT, **keys) -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {**browser_keys(), **keys}}


def post_json(client, url_name: str, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(reverse(url_name), body, content_type="application/json", **extra)


def test_the_manifest_describes_the_installable_app_to_anyone(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "MonQuartier"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["background_color"] == "#f6f3ef"
    assert manifest["theme_color"] == "#b4470b"
    assert manifest["lang"] == "fr"
    assert {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }


def test_the_manifest_icons_are_real_pngs_of_the_announced_size(client):
    for icon in json.loads(client.get("/manifest.webmanifest").content)["icons"]:
        assert icon["src"].startswith("/static/img/")
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        with Image.open(found) as image:
            assert image.format == "PNG"
            assert "x".join(map(str, image.size)) == icon["sizes"]
            assert os.path.getsize(found) < 20_000  # 2G


def test_the_service_worker_is_served_from_the_root_with_its_headers(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "max-age=86400"
    with open(finders.find("js/sw.js"), "rb") as source:
        script = source.read()
    # The same script, with what it keeps at install filled in.
    precache = re.search(rb"var PRECACHE = (\{.+?\});\n", response.content)
    assert json.loads(precache.group(1))["urls"][0] == "/hors-ligne/"
    paths = re.search(rb"var SITE = (\{.+?\});\n", response.content)
    assert json.loads(paths.group(1))["alerts"] == "/alertes/"
    served = response.content.replace(precache.group(0), b"var PRECACHE = {};\n")
    assert served.replace(paths.group(0), b"var SITE = {};\n") == script


def test_the_service_worker_check_costs_no_download_when_it_did_not_change(client):
    """After a day browsers ask again: the same worker answers 304 without a body."""
    etag = client.get("/sw.js")["ETag"]

    unchanged = client.get("/sw.js", HTTP_IF_NONE_MATCH=etag)
    changed = client.get("/sw.js", HTTP_IF_NONE_MATCH='"an-older-worker"')

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["Cache-Control"] == "max-age=86400"
    assert changed.status_code == 200 and changed.content


def test_in_production_the_service_worker_comes_from_the_collected_files(
    client, settings, tmp_path
):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "collected"
    (tmp_path / "collected" / "js").mkdir(parents=True)
    (tmp_path / "collected" / "js" / "sw.js").write_text("// collected version\n")

    assert client.get("/sw.js").content == b"// collected version\n"

    settings.DEBUG = True  # a developer's stale STATIC_ROOT does not win over the source
    assert client.get("/sw.js").content != b"// collected version\n"


def test_the_offline_page_is_light_public_and_translated(client):
    french = client.get("/hors-ligne/")
    english = client.get("/hors-ligne/", HTTP_ACCEPT_LANGUAGE="en")

    assert french.status_code == 200
    page = french.content.decode()
    assert "Vous êtes hors ligne" in page and "Pages enregistrées" in page
    assert 'href="tel:110"' in page  # the emergency numbers work without network
    assert "csrfmiddlewaretoken" not in page
    assert len(gzip.compress(french.content)) < 2 * 1024
    assert "You are offline" in english.content.decode()


def test_a_changed_offline_page_makes_a_new_worker_without_bumping_a_version(
    client, settings, tmp_path
):
    before = client.get("/sw.js")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "offline.html").write_text("<h1>Hors ligne, autrement</h1>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]

    after = client.get("/sw.js", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    version = re.compile(rb'"version":"([0-9a-f]{12})"')
    assert version.search(after.content).group(1) != version.search(before.content).group(1)


def test_the_service_worker_answers_only_get(client):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405


def test_members_get_the_public_key_for_subscribing(awa_client):
    response = awa_client.get(reverse("pwa:push_key"))

    assert response.status_code == 200
    public = response.json()["publicKey"]
    assert public == vapid_keys()[1]
    assert len(base64.urlsafe_b64decode(public + "=")) == 65
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("method", "url_name"),
    [("get", "pwa:push_key"), ("post", "pwa:subscribe"), ("post", "pwa:unsubscribe")],
)
def test_visitors_are_sent_to_log_in_by_the_push_endpoints(client, db, method, url_name):
    if method == "get":
        response = client.get(reverse(url_name))
    else:
        response = post_json(client, url_name, subscription_json())

    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]
    assert not PushSubscription.objects.exists()


def test_subscribing_stores_this_phone_for_the_member(awa_client, awa):
    data = subscription_json()

    response = post_json(
        awa_client, "pwa:subscribe", data, HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500
    )

    assert response.status_code == 201
    assert response.json()["created"] is True
    subscription = PushSubscription.objects.get()
    assert subscription.user == awa
    assert subscription.endpoint == ENDPOINT
    assert subscription.p256dh == data["keys"]["p256dh"]
    assert subscription.auth == data["keys"]["auth"]
    assert subscription.user_agent.startswith("Mozilla/5.0 ")
    assert len(subscription.user_agent) == 200


def test_a_browser_opened_by_a_link_cannot_add_itself_to_the_members_devices(client, awa):
    # A forwarded alert e-mail: its reader would get every alert of the member by push.
    client.get(signed_path(awa, "/"))
    response = post_json(client, "pwa:subscribe", subscription_json())
    assert response.status_code == 403
    assert "mot de passe" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_device_already_the_members_keeps_its_subscription_up_to_date_after_a_link(client, awa):
    PushSubscription.objects.create(user=awa, endpoint=ENDPOINT, p256dh="old", auth="old")
    client.get(signed_path(awa, "/"))
    assert post_json(client, "pwa:subscribe", subscription_json()).status_code == 200


def test_subscribing_again_updates_the_keys_and_a_shared_phone_moves_to_who_is_logged_in(
    client, awa, yao
):
    PushSubscription.objects.create(user=yao, endpoint=ENDPOINT, p256dh="old", auth="old")
    factories.log_in(client, awa)
    data = subscription_json()

    response = post_json(client, "pwa:subscribe", data)

    assert response.status_code == 200
    assert response.json()["created"] is False
    subscription = PushSubscription.objects.get()
    assert subscription.user == awa
    assert (subscription.p256dh, subscription.auth) == (
        data["keys"]["p256dh"],
        data["keys"]["auth"],
    )


def test_a_member_keeps_at_most_ten_phones(awa_client, awa):
    for n in range(12):
        response = post_json(awa_client, "pwa:subscribe", subscription_json(f"{ENDPOINT}-{n}"))
        assert response.status_code == 201

    kept = set(PushSubscription.objects.filter(user=awa).values_list("endpoint", flat=True))
    assert len(kept) == 10
    assert f"{ENDPOINT}-11" in kept and f"{ENDPOINT}-0" not in kept


def _not_on_the_curve() -> str:
    return b64(b"\x04" + b"\x01" * 64)


BAD_BODIES = {
    "not JSON": "{endpoint: ",
    "not an object": json.dumps([ENDPOINT]),
    "empty": "",
    "too long": json.dumps({**subscription_json(), "padding": "x" * 5000}),
    "no endpoint": {"keys": browser_keys()},
    "endpoint not text": {"endpoint": 42, "keys": browser_keys()},
    "no keys": {"endpoint": ENDPOINT},
    "keys not an object": {"endpoint": ENDPOINT, "keys": "p256dh"},
    "no p256dh": {"endpoint": ENDPOINT, "keys": {"auth": b64(os.urandom(16))}},
    "p256dh not base64url": subscription_json(p256dh="B" + "!" * 86),
    "p256dh too short": subscription_json(p256dh=b64(b"\x04" + os.urandom(31))),
    "p256dh not on the curve": subscription_json(p256dh=_not_on_the_curve()),
    "auth of 12 bytes": subscription_json(auth=b64(os.urandom(12))),
    "auth not text": subscription_json(auth=16),
    "http endpoint": subscription_json("http://fcm.googleapis.com/fcm/send/abc"),
    "javascript endpoint": subscription_json("javascript:alert(1)"),
    "endpoint too long": subscription_json("https://fcm.googleapis.com/" + "a" * 1000),
    "endpoint with a password": subscription_json("https://u:p@fcm.googleapis.com/fcm/send/a"),
    "endpoint on another port": subscription_json("https://fcm.googleapis.com:8443/fcm/send/a"),
    "unknown push service": subscription_json("https://push.example.ci/abc"),
    "lookalike push service": subscription_json("https://evil-fcm.googleapis.com.example/x"),
    "internal address": subscription_json("https://10.0.0.5/push"),
    "local address": subscription_json("https://127.0.0.1/push"),
    "control character": subscription_json("https://fcm.googleapis.com/fcm/send/a\nb"),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_subscription_is_refused_with_a_message_and_nothing_is_stored(
    awa_client, settings, body
):
    settings.DEBUG = False

    response = post_json(awa_client, "pwa:subscribe", body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_push_service_on_the_developers_machine_is_accepted_only_in_debug(awa_client, settings):
    local = subscription_json("http://127.0.0.1:8765/push/abc")
    settings.DEBUG = False
    assert post_json(awa_client, "pwa:subscribe", local).status_code == 400
    settings.DEBUG = True
    assert post_json(awa_client, "pwa:subscribe", local).status_code == 201


def test_the_push_service_list_can_be_changed_in_settings(awa_client, settings):
    settings.PUSH_SERVICE_HOSTS = ["push.example.ci"]
    assert post_json(awa_client, "pwa:subscribe", subscription_json()).status_code == 400
    response = post_json(
        awa_client, "pwa:subscribe", subscription_json("https://a.push.example.ci/x")
    )
    assert response.status_code == 201


def test_subscribing_needs_the_csrf_token_the_page_carries(awa):
    client = Client(enforce_csrf_checks=True)
    factories.log_in(client, awa)

    assert post_json(client, "pwa:subscribe", subscription_json()).status_code == 403
    assert not PushSubscription.objects.exists()

    page = client.get("/").content.decode()
    hx_headers = re.search(r"<body hx-headers='([^']+)'", page).group(1)
    token = json.loads(hx_headers)["X-CSRFToken"]
    response = post_json(client, "pwa:subscribe", subscription_json(), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_subscribing_answers_only_post(awa_client):
    assert awa_client.get(reverse("pwa:subscribe")).status_code == 405
    assert awa_client.get(reverse("pwa:unsubscribe")).status_code == 405


def test_unsubscribing_forgets_only_the_members_own_phone_and_can_be_repeated(awa_client, awa, yao):
    PushSubscription.objects.create(user=awa, endpoint=ENDPOINT + "-awa", p256dh="k", auth="a")
    PushSubscription.objects.create(user=yao, endpoint=ENDPOINT + "-yao", p256dh="k", auth="a")

    response = post_json(awa_client, "pwa:unsubscribe", {"endpoint": ENDPOINT + "-yao"})
    assert response.status_code == 200
    assert response.json() == {"deleted": False}
    assert PushSubscription.objects.filter(user=yao).exists()

    response = post_json(awa_client, "pwa:unsubscribe", {"endpoint": ENDPOINT + "-awa"})
    assert response.status_code == 200
    assert response.json() == {"deleted": True}
    assert not PushSubscription.objects.filter(user=awa).exists()

    response = post_json(awa_client, "pwa:unsubscribe", {"endpoint": ENDPOINT + "-awa"})
    assert response.status_code == 200


@pytest.mark.parametrize("body", ["pas du json", "[]", json.dumps({"endpoint": 3}), "{}"])
def test_a_bad_unsubscribe_request_is_a_400_not_a_500(awa_client, body):
    response = post_json(awa_client, "pwa:unsubscribe", body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_pages_hand_the_push_script_its_urls(client, awa):
    factories.log_in(client, awa)

    html = client.get(reverse("home")).content.decode()

    assert 'data-worker-url="/sw.js"' in html
    for name in ("key", "subscribe", "unsubscribe"):
        assert f'data-{name}-url="/notifications/push/' in html
    assert 'data-logout-url="/compte/logout/"' in html


def test_the_settings_snippet_carries_buttons_and_translated_messages(rf, awa):
    request = rf.get("/")
    request.user = awa

    html = render_to_string("notifications/push_settings_snippet.html", request=request)

    assert 'id="push-enable"' in html
    assert "Activer les notifications sur ce téléphone" in html
    assert 'id="push-disable"' in html and "Désactiver" in html
    assert 'id="push-status"' in html and 'role="status"' in html
    for message in (
        "working",
        "enabled",
        "off",
        "disabled",
        "denied",
        "dismissed",
        "unsupported",
        "error",
    ):
        assert re.search(rf'data-msg-{message}="[^"]+"', html), message
    assert "<script" not in html and "onclick" not in html
