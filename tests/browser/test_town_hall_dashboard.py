"""The town hall's dashboard on a phone: charts with their data tables, and axe."""

from playwright.sync_api import expect

from tests.browser.sign_in import log_in_with_code
from tests.townhalls.test_dashboard import _alert


def test_an_agent_reads_the_dashboard_on_a_phone(page, axe, riviera, riviera3, yao, aya, aicha):
    for days, category in ((2, "burglary"), (9, "theft"), (30, "suspicious"), (90, "fire")):
        _alert(riviera, yao, category, days, latitude=5.3592, longitude=-3.9611)
    _alert(riviera3, aya, "utility", 12)
    log_in_with_code(page, "aicha.diomande@mairie-cocody.ci")
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
