"""A large commune's announcement, in Chromium on a phone: the agent chooses communities by
tapping their areas on the map (read from /mairie/carte.json), which writes their names
in the list of names; a second tap takes a name out; the preview counts those chosen."""

import pytest
from playwright.sync_api import expect

from monquartier.townhalls import forms
from monquartier.townhalls.models import Announcement
from tests.browser.test_town_hall_journey import _log_in_as_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_taps_on_the_map_write_the_names_of_a_large_commune(
    monkeypatch, context, axe, riviera, riviera3, awa, yao, koffi, aicha
):
    # Two communities are already "many": the form asks for names, not boxes.
    monkeypatch.setattr(forms, "LIST_UP_TO", 1)
    agent = context.new_page()
    _log_in_as_agent(agent, aicha.email)
    agent.goto("/mairie/annonces/nouvelle/")
    names = agent.get_by_label("Noms des communautés")
    expect(names).to_be_visible()
    assert agent.locator('input[name="communities"]').count() == 0
    areas = agent.locator("[data-announce-map] path.leaflet-interactive")
    expect(areas).to_have_count(2)
    axe(agent)

    agent.get_by_label("Catégorie").select_option(label="Coupure d'eau")
    agent.get_by_label("Texte").fill("Coupure d'eau demain de 8 h à 14 h, rue des Jardins.")
    areas.nth(0).click()
    first = names.input_value()
    assert first in {riviera.name, riviera3.name}
    areas.nth(1).click()
    assert sorted(names.input_value().split("\n")) == [riviera.name, riviera3.name]
    # A second tap takes the name out; a third puts it back.
    areas.nth(0).click()
    assert names.input_value() in {riviera.name, riviera3.name} - {first}
    areas.nth(0).click()
    assert sorted(names.input_value().split("\n")) == [riviera.name, riviera3.name]
    chosen_fill = areas.nth(0).get_attribute("fill") or ""

    # Drawn as chosen or not: the whole commune draws every area chosen, taps change nothing.
    areas.nth(1).click()
    expect(areas.nth(1)).not_to_have_attribute("fill", chosen_fill)
    agent.get_by_label("Toute la commune").check()
    expect(areas.nth(1)).to_have_attribute("fill", chosen_fill)
    areas.nth(1).click(force=True)
    assert len(names.input_value().split("\n")) == 1
    agent.get_by_label("Des communautés choisies").check()
    expect(areas.nth(1)).not_to_have_attribute("fill", chosen_fill)
    # Typed names draw too, once the agent pauses.
    (missing,) = {riviera.name, riviera3.name} - {names.input_value()}
    names.press_sequentially("\n" + missing)
    expect(areas.nth(1)).to_have_attribute("fill", chosen_fill)

    agent.get_by_role("button", name="Voir qui le recevra").click()
    expect(agent.get_by_role("button", name="Confirmer l'envoi")).to_be_visible()
    expect(agent.get_by_text("Riviera 2, Riviera 3")).to_be_visible()
    axe(agent)
    agent.get_by_role("button", name="Confirmer l'envoi").click()
    agent.get_by_text("Coupure d'eau demain de 8 h à 14 h").first.wait_for()
    assert set(Announcement.objects.get().communities.all()) == {riviera, riviera3}
