import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from monquartier.core.env import env_bool, env_bounds, env_choice, env_int, env_list, env_str

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "monquartier.ci",
    "SMS_BACKEND": "monquartier.outbox.sms.ConsoleSMSBackend",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
    "SMS_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "USSD_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "SHOP_PAYMENT_API_KEY": "api-key",
    "SHOP_PAYMENT_SITE_ID": "105900",
    "SHOP_PAYMENT_SECRET_KEY": secrets.token_urlsafe(32),
    **dict(
        line.split("=", 1)
        for line in subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "generate_vapid_keys"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    ),
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Not what the test process set for itself (DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_ENV and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", False)],
)
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert env_bool("X", default=not expected, environ={"X": raw}) is expected


@pytest.mark.parametrize(
    ("reader", "raw"),
    [
        (lambda environ: env_bool("X", default=False, environ=environ), "peut-être"),
        (lambda environ: env_int("X", 1, environ=environ), "douze"),
        (lambda environ: env_int("X", 1, minimum=1, environ=environ), "0"),
        (lambda environ: env_choice("X", "a", ("a", "b"), environ=environ), "c"),
        (lambda environ: env_bounds("X", (0, 0, 1, 1), environ=environ), "-9,4,-2"),
        (lambda environ: env_bounds("X", (0, 0, 1, 1), environ=environ), "-9,4,-2,nan"),
        (lambda environ: env_bounds("X", (0, 0, 1, 1), environ=environ), "170,4,-170,11"),
        (lambda environ: env_bounds("X", (0, 0, 1, 1), environ=environ), "-9,11,-2,4"),
    ],
)
def test_env_helpers_fail_loudly_on_a_bad_value(reader, raw):
    with pytest.raises(ImproperlyConfigured) as caught:
        reader({"X": raw})
    assert "X=" in str(caught.value)


def test_env_helpers_defaults_and_lists():
    assert env_str("X", "défaut", environ={}) == "défaut"
    assert env_int("X", 7, environ={}) == 7
    assert env_list("X", ["a"], environ={"X": " a.ci, b.ci ,,"}) == ["a.ci", "b.ci"]
    assert env_bounds("X", (0, 0, 1, 1), environ={"X": "-9, 4, -2.5, 11"}) == (-9, 4, -2.5, 11)
    with pytest.raises(ImproperlyConfigured):
        env_str("X", environ={})


def test_the_project_defaults():
    assert settings.TIME_ZONE == "Africa/Abidjan"
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _name in settings.LANGUAGES] == ["fr", "en"]
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_production_refuses_to_start_without_its_secret():
    result = manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="monquartier.ci")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug_and_a_per_process_cache():
    result = manage("check", **{**PRODUCTION_ENV, "DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG" in result.stderr
    result = manage("check", **{**PRODUCTION_ENV, "CACHE_URL": "locmem://"})
    assert result.returncode != 0 and "CACHE_URL" in result.stderr
    result = manage("check", **{**PRODUCTION_ENV, "VAPID_PRIVATE_KEY": ""})
    assert result.returncode != 0 and "VAPID" in result.stderr
    result = manage("check", **{**PRODUCTION_ENV, "SMS_WEBHOOK_SECRET": "court"})
    assert result.returncode != 0 and "SMS_WEBHOOK_SECRET" in result.stderr
    result = manage("check", **{**PRODUCTION_ENV, "USSD_WEBHOOK_SECRET": "court"})
    assert result.returncode != 0 and "USSD_WEBHOOK_SECRET" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_security_headers_on_every_page(client, db):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_health_check_answers_without_logging_in(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_with_redis_sessions_are_read_from_the_cache_and_kept_in_the_database():
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    production = manage("shell", "-v", "0", "-c", show, **PRODUCTION_ENV)
    assert production.stdout.strip() == "django.contrib.sessions.backends.cached_db"
    development = manage("shell", "-v", "0", "-c", show, CACHE_URL="locmem://")
    assert development.stdout.strip() == "django.contrib.sessions.backends.db"


ORANGE_CREDENTIALS = {
    "ORANGE_SMS_CLIENT_ID": "id",
    "ORANGE_SMS_CLIENT_SECRET": "secret",
    "ORANGE_SMS_SENDER_ADDRESS": "tel:+2250700000000",
}
AFRICASTALKING_CREDENTIALS = {
    "AFRICASTALKING_USERNAME": "monquartier",
    "AFRICASTALKING_API_KEY": "k",
}
PRINT_SMS = (
    "from django.conf import settings; print(settings.SMS_BACKEND); print(settings.SMS_PRICES)"
)


def _production_without_a_backend(**env: str) -> dict[str, str]:
    base = {key: value for key, value in PRODUCTION_ENV.items() if key != "SMS_BACKEND"}
    return {**base, **env}


def test_production_routes_sms_by_operator_when_both_providers_are_configured():
    both = _production_without_a_backend(**ORANGE_CREDENTIALS, **AFRICASTALKING_CREDENTIALS)
    result = manage("shell", "-v", "0", "-c", PRINT_SMS, **both)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "monquartier.outbox.sms.RoutingSMSBackend"
    result = manage(
        "shell", "-v", "0", "-c", PRINT_SMS, **_production_without_a_backend(**ORANGE_CREDENTIALS)
    )
    assert result.stdout.splitlines()[0] == "monquartier.outbox.sms.OrangeSMSBackend"
    # An explicit SMS_BACKEND wins.
    result = manage("shell", "-v", "0", "-c", PRINT_SMS, **{**both, "SMS_BACKEND": "x.Backend"})
    assert result.stdout.splitlines()[0] == "x.Backend"
    result = manage("check", **_production_without_a_backend())
    assert result.returncode != 0 and "SMS_BACKEND" in result.stderr


def test_sms_prices_come_with_figures_and_each_one_from_the_environment():
    prices = settings.SMS_PRICES
    for provider in ("orange", "africastalking"):
        assert set(prices[provider]) == {"orange", "mtn", "moov", "other"}
    # Each operator goes through its cheaper provider (SMS_ROUTES).
    for operator, provider in settings.SMS_ROUTES.items():
        other = "africastalking" if provider == "orange" else "orange"
        assert float(prices[provider][operator]) <= float(prices[other][operator])
    result = manage("shell", "-v", "0", "-c", PRINT_SMS, SMS_PRICE_ORANGE_MTN="22.5")
    assert result.returncode == 0, result.stderr
    assert "'mtn': '22.5'" in result.stdout.splitlines()[1]
    result = manage("check", SMS_PRICE_ORANGE_MTN="vingt")
    assert result.returncode != 0 and "SMS_PRICE_ORANGE_MTN" in result.stderr
    result = manage("check", SMS_PRICE_AFRICASTALKING_OTHER="-1")
    assert result.returncode != 0 and "SMS_PRICE_AFRICASTALKING_OTHER" in result.stderr


def test_behind_a_pooler_querysets_iterate_without_server_side_cursors():
    show = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))"
    )
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/monquartier"}
    pooled = manage("shell", "-v", "0", "-c", show, DATABASE_BEHIND_POOLER="1", **database)
    direct = manage("shell", "-v", "0", "-c", show, **database)
    assert (pooled.stdout.strip(), direct.stdout.strip()) == ("True", "False")


def _without_shop_keys() -> dict[str, str]:
    return {key: value for key, value in PRODUCTION_ENV.items() if "SHOP_PAYMENT" not in key}


def test_production_starts_without_a_payment_contract_and_says_the_shop_is_off():
    show = "from django.conf import settings; print(settings.SHOP_ENABLED)"
    result = manage("shell", "-c", show, **_without_shop_keys())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"
    assert "The shop is off" in result.stderr
    result = manage("check", "--deploy", "--fail-level", "WARNING", **_without_shop_keys())
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_with_the_keys_has_the_shop_on_unless_told_otherwise():
    show = "from django.conf import settings; print(settings.SHOP_ENABLED)"
    result = manage("shell", "-c", show, **PRODUCTION_ENV)
    assert result.stdout.split()[-1] == "True" and "The shop is off" not in result.stderr
    result = manage("shell", "-c", show, **{**PRODUCTION_ENV, "SHOP_ENABLED": "0"})
    assert result.stdout.split()[-1] == "False" and "The shop is off" in result.stderr


def test_the_shop_asked_for_without_its_keys_refuses_to_start():
    result = manage("check", **{**_without_shop_keys(), "SHOP_ENABLED": "1"})
    assert result.returncode != 0 and "SHOP_ENABLED" in result.stderr
    result = manage("check", **{**PRODUCTION_ENV, "SHOP_PAYMENT_SECRET_KEY": ""})
    assert result.returncode != 0 and "SHOP_PAYMENT_SECRET_KEY" in result.stderr


def test_with_the_shop_off_its_pages_are_404_and_its_links_hidden(client, settings, mariam):
    from tests import factories

    factories.log_in(client, mariam)
    page = client.get(reverse("accounts:settings")).content.decode()
    for name in ("shop:catalogue", "shop:history", "shop:staff_queue"):
        assert reverse(name) in page
    settings.SHOP_ENABLED = False
    for name in ("shop:catalogue", "shop:cart", "shop:history", "shop:staff_queue"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("shop:payment_webhook"), {"cpm_trans_id": "X"}).status_code == 404
    page = client.get(reverse("accounts:settings")).content.decode()
    for name in ("shop:catalogue", "shop:history", "shop:staff_queue"):
        assert reverse(name) not in page
