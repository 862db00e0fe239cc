"""A member downloads their data from Paramètres, and leaves the newsletter from the link
of a letter."""

import json
import zipfile

import pytest

from monquartier.accounts.models import User
from monquartier.newsletters.outbox import unsubscribe_url
from tests import factories
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_downloads_their_data(page, axe, tmp_path):
    factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    log_in(page, "yao.kouassi@exemple.ci")
    page.goto("/parametres/")
    page.get_by_role("link", name="Télécharger mes données").click()
    page.get_by_role("heading", name="Télécharger mes données").wait_for()
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le fichier zip").click()
    path = tmp_path / "mes-donnees.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("mes-donnees.json"))
    assert data["account"]["email"] == "yao.kouassi@exemple.ci"


def test_a_reader_leaves_the_newsletter_from_its_link(page, axe, live_server):
    awa = factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci", newsletter=True)
    path = unsubscribe_url(awa.pk).split("/u/", 1)[1]
    page.goto(f"{live_server.url}/u/{path}")  # no log-in: as from the e-mail
    page.get_by_role("heading", name="Ne plus recevoir la lettre d'information").wait_for()
    axe(page)
    assert User.objects.get(pk=awa.pk).newsletter is True  # opening the link changes nothing
    page.get_by_role("button", name="Me désabonner").click()
    page.get_by_role("heading", name="Vous êtes désabonné").wait_for()
    axe(page)
    assert User.objects.get(pk=awa.pk).newsletter is False
