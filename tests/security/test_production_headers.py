"""What a browser receives from production: security headers and cookie flags; and the
address production's rate limits count.

Production settings are read once, at start-up, so one `manage.py shell` run with
DJANGO_ENV=production asks the pages and prints what came back as JSON; the tests read it.
The probe touches no database: the session cookie comes from Django's session middleware
with signed-cookie storage (same cookie settings, no session table to reach).
"""

import json

import pytest

from tests.core.test_settings import PRODUCTION_ENV, manage

PROBE = """
import json
from allauth.account.adapter import get_adapter
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings

HEADERS = ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
           "Referrer-Policy", "Permissions-Policy", "X-Frame-Options",
           "Cross-Origin-Opener-Policy")
client = Client(HTTP_HOST="monquartier.ci")
found = {"pages": {}, "cookies": {}}

def keep_cookies(response):
    for name, morsel in response.cookies.items():
        found["cookies"][name] = {"secure": bool(morsel["secure"]),
                                  "httponly": bool(morsel["httponly"]),
                                  "samesite": morsel["samesite"]}

for path in ("/compte/login/", "/cette-page-n-existe-pas/"):
    response = client.get(path, secure=True)
    found["pages"][path] = {"status": response.status_code,
                            **{name: response.headers.get(name) for name in HEADERS}}
    keep_cookies(response)
keep_cookies(client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True))

def remember(request):
    request.session["seen"] = True
    return HttpResponse()

with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
    request = RequestFactory().get("/", secure=True, HTTP_HOST="monquartier.ci")
    keep_cookies(SessionMiddleware(remember)(request))

plain = client.get("/compte/login/")
found["plain_http"] = [plain.status_code, plain.headers.get("Location")]

behind_nginx = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1",
                                    HTTP_X_FORWARDED_FOR="10.9.8.7, 203.0.113.9")
found["rate_limited_address"] = get_adapter().get_client_ip(behind_nginx)
print("PROBE", json.dumps(found))
"""


@pytest.fixture(scope="module")
def production():
    # (No collectstatic: the manifest storage is production's concern, not the headers'.)
    result = manage("shell", "-c", PROBE, **PRODUCTION_ENV, STATIC_MANIFEST="0")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


@pytest.fixture(scope="module", params=["/compte/login/", "/cette-page-n-existe-pas/"])
def page(request, production):
    return production["pages"][request.param]


def directives(header: str) -> dict[str, list[str]]:
    """'a x y; b z' → {'a': ['x', 'y'], 'b': ['z']}"""
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name.lower()] = values
    return parsed


def test_the_probed_pages_answered(production):
    assert production["pages"]["/compte/login/"]["status"] == 200
    assert production["pages"]["/cette-page-n-existe-pas/"]["status"] == 404


def test_hsts_covers_subdomains_for_a_year(page):
    hsts = [part.strip() for part in page["Strict-Transport-Security"].split(";")]
    max_age = int(hsts[0].removeprefix("max-age="))
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


def test_plain_http_is_sent_to_https(production):
    assert production["plain_http"] == [301, "https://monquartier.ci/compte/login/"]


def test_the_csp_runs_only_scripts_served_by_the_site(page):
    policy = directives(page["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    # The fallback of every other fetch directive is no looser.
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    for name, values in policy.items():
        if name.startswith(("script-src", "default-src", "worker-src")):
            assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(values), name


def test_no_site_may_frame_the_pages(page):
    assert directives(page["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert page["X-Frame-Options"] == "DENY"


def test_nosniff_referrer_policy_and_opener_isolation(page):
    assert page["X-Content-Type-Options"] == "nosniff"
    # Addresses of community pages carry ids: other sites get no referrer at all.
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_only_the_site_may_ask_for_the_position_and_powerful_features_are_off(page):
    features = dict(item.strip().split("=", 1) for item in page["Permissions-Policy"].split(","))
    assert features.pop("geolocation") == "(self)"
    for feature in ("camera", "microphone", "payment", "usb", "display-capture"):
        assert features[feature] == "()", feature
    assert set(features.values()) == {"()"}


@pytest.mark.parametrize("name", ["sessionid", "csrftoken", "django_language"])
def test_production_cookies_are_secure_http_only_and_same_site(production, name):
    cookie = production["cookies"][name]
    assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_rate_limits_count_the_address_nginx_saw_not_nginx_itself(production):
    # docs/deployment.md: nginx appends the visitor's address to X-Forwarded-For; what
    # comes before it is whatever the visitor sent.
    assert production["rate_limited_address"] == "203.0.113.9"
