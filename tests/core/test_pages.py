"""Every page stays small (one TCP round trip) and has no inline script."""

import gzip
import re

import pytest
from django.urls import reverse

from tests import factories

PUBLIC_PAGES = [
    "home",
    "charter",
    "account_login",
    "account_signup",
    "account_reset_password",
]
MEMBER_PAGES = [
    "home",
    "accounts:settings",
    "accounts:identity",
    "accounts:phones",
    "accounts:profile",
    "accounts:home",
    "accounts:close",
    "accounts:my_data",
    "account_email",
    "account_change_password",
    "account_change_phone",
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def check_page(response):
    assert response.status_code == 200
    html = response.content
    assert len(gzip.compress(html)) < 14 * 1024
    assert not INLINE_SCRIPT.search(html.decode()), "inline script"
    assert ' style="' not in html.decode(), "inline style attribute (blocked by the CSP)"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_are_small_and_script_free(client, db, name):
    check_page(client.get(reverse(name)))


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_are_small_and_script_free(awa_client, name):
    check_page(awa_client.get(reverse(name)))


def test_pages_need_a_log_in_unless_public(client, db):
    for name in MEMBER_PAGES[1:]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login"))


def test_pages_are_in_english_for_an_english_browser(client, db):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page or "Sign in" in page


def test_the_language_switch_remembers_the_choice(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/").content.decode()


def test_an_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404


def test_forms_tie_errors_and_help_to_their_fields(awa_client):
    page = awa_client.post(reverse("accounts:phones"), {"landline": "12"}).content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_landline_helptext id_landline_error"' in page
    assert '<label for="id_landline">' in page


def test_the_staff_can_reach_the_admin(client, db):
    staff = factories.make_user("Mariam", "Bamba", is_staff=True, is_superuser=True)
    factories.log_in(client, staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
