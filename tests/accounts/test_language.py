"""The site's language: a logged-in member's setting wins over the browser's."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests import factories
from tests.accounts.test_signup import SIGNUP, signup_data

HOME = reverse("home")


def page_language(response) -> str:
    return response["Content-Language"]


def test_a_members_language_wins_over_the_browsers(awa_client, awa):
    awa.language = "en"
    awa.save()

    response = awa_client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert page_language(response) == "en"
    assert 'lang="en"' in response.content.decode()


def test_a_members_language_wins_over_the_language_cookie(awa_client, awa):
    awa_client.cookies["django_language"] = "en"

    response = awa_client.get(HOME, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert awa.language == "fr"
    assert page_language(response) == "fr"


def test_a_visitor_gets_the_browsers_language(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert page_language(response) == "en"


def test_the_language_switch_changes_a_members_setting(awa_client, awa):
    response = awa_client.post(reverse("set_language"), {"language": "en", "next": HOME})

    assert response.status_code == 302
    awa.refresh_from_db()
    assert awa.language == "en"
    assert page_language(awa_client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr")) == "en"


@pytest.mark.parametrize("language", ["de", ""])
def test_the_language_switch_ignores_an_unknown_language(awa_client, awa, language):
    response = awa_client.post(reverse("set_language"), {"language": language, "next": HOME})

    assert response.status_code == 302
    awa.refresh_from_db()
    assert awa.language == "fr"


def test_saving_the_identity_page_speaks_the_new_language(awa_client, awa):
    data = {"first_name": "Awa", "last_name": "Koné", "pseudonym": "", "language": "en"}

    page = awa_client.post(reverse("accounts:identity"), data, follow=True).content.decode()

    assert "Your details have been saved." in page


def test_signing_up_in_english_keeps_the_site_in_english(client, db):
    client.post(SIGNUP, signup_data(), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    # The address is the account's once confirmed: find the account by its pending one.
    assert EmailAddress.objects.get(email="adjoua.konan@exemple.ci").user.language == "en"


@pytest.mark.parametrize(
    ("language", "date", "heading"),
    [("fr", "1 déc.<", "Gazette du quartier"), ("en", "1 Dec.<", "Neighbourhood gazette")],
)
def test_dates_are_in_the_pages_language(awa_client, awa, riviera, language, date, heading):
    with time_machine.travel(dt.datetime(2026, 12, 1, 14, 5, tzinfo=dt.UTC)):
        factories.make_post(awa)
    awa.language = language
    awa.save()

    page = awa_client.get(reverse("gazette:list")).content.decode()

    assert date in page
    assert f"<h1>{heading}" in page
