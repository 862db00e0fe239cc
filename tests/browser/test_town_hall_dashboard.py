"""The town hall's dashboard on a phone: charts with their data tables, and axe."""

from playwright.sync_api import expect

from tests import factories
from tests.townhalls.test_dashboard import _alert


def test_an_agent_reads_the_dashboard_on_a_phone(page, axe, riviera, riviera3, yao, aya, aicha):
    for days, category in ((2, "burglary"), (9, "theft"), (30, "suspicious"), (90, "fire")):
        _alert(riviera, yao, category, days, latitude=5.3592, longitude=-3.9611)
    _alert(riviera3, aya, "utility", 12)
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill("aicha.diomande@mairie-cocody.ci")
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(factories.totp_code())
    page.get_by_role("button", name="Connexion").click()
    page.get_by_role("button", name="Déconnexion").wait_for()
    page.goto("/mairie/tableau-de-bord/")
    expect(page.get_by_role("img", name="Alertes par semaine")).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(6)
    page.get_by_text("Les données : Alertes par catégorie").click()
    expect(page.get_by_role("cell", name="Cambriolage")).to_be_visible()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe(page)
    page.get_by_label("Période").select_option(label="Les 3 derniers mois")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_text("4 alertes sur la période.").wait_for()
    axe(page)
