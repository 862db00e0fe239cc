"""A member signs a lost phone out of the app from Paramètres → Appareils connectés."""

import pytest

from monquartier.accounts.models import DeviceToken
from monquartier.accounts.services import issue_device_token
from tests import factories
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_signs_a_lost_phone_out(page, axe):
    yao = factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    issue_device_token(yao, "Itel perdu")
    issue_device_token(yao, "Tecno Spark")
    log_in(page, "yao.kouassi@exemple.ci")
    page.goto("/parametres/")
    page.get_by_role("link", name="Appareils connectés").click()
    page.get_by_role("heading", name="Appareils connectés").wait_for()
    axe(page)
    page.get_by_role("button", name="Déconnecter « Itel perdu »").click()
    page.get_by_text("Cet appareil est déconnecté.").wait_for()
    axe(page)
    assert list(DeviceToken.objects.filter(user=yao).values_list("name", flat=True)) == [
        "Tecno Spark"
    ]


def test_the_api_documentation_page_works_under_the_csp(page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto("/api/v1/docs")
    page.get_by_text("MonQuartier API").first.wait_for()
    page.get_by_text("/api/v1/alerts").first.wait_for()
    assert not [error for error in errors if "Content Security Policy" in error]
