import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from monquartier.communities.models import Community, Membership, Twinning
from tests import factories
from tests.browser.test_account_journeys import PASSWORD, last_link, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(page, axe, sms_outbox, first: str, last: str, email: str, phone: str) -> None:
    page.goto("/compte/signup/")
    page.get_by_label("Prénom").fill(first)
    page.get_by_label("Nom", exact=True).fill(last)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Téléphone mobile").fill(phone)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_label("charte").check()
    page.get_by_role("button", name="Créer mon compte").click()
    # The SMS code first; the e-mail link then confirms the address.
    page.get_by_label("Code").fill(re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1))
    page.get_by_role("button", name="Valider le code").click()
    page.get_by_role("heading", name=f"Bonjour {first}").wait_for()
    page.goto(last_link(r"http://[^/]+/compte/confirm-email/\S+/"))
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("heading", name=f"Bonjour {first}").wait_for()


def test_create_a_community_then_a_neighbour_joins_and_both_see_each_other(
    context, axe, sms_outbox
):
    page = context.new_page()
    sign_up(page, axe, sms_outbox, "Adjoua", "Konan", "adjoua.konan@exemple.ci", "0707123456")
    page.get_by_role("link", name="Indiquer mon adresse").click()
    page.get_by_label("Commune").select_option(label="Cocody")
    page.get_by_label("Quartier").fill("Riviera 2")
    page.get_by_role("button", name="Utiliser ma position").click()
    expect(page.locator("[name=latitude]")).to_have_value("5.360100")
    page.get_by_role("button", name="Enregistrer mon adresse").click()
    page.get_by_role("link", name="Rejoindre mon quartier").click()
    axe(page)
    page.get_by_role("link", name="Créer la communauté de mon quartier").click()
    page.get_by_label("Nom de la communauté").fill("Riviera 2 – Allée des Manguiers")
    # The editor starts with a square around the home; the person drags a corner.
    vertices = page.locator(".area-vertex")
    expect(vertices).to_have_count(4)
    # Numbers the French way on a French page: « 0,36 km² ».
    expect(page.locator("#area-size")).to_contain_text(re.compile(r"\d,\d\d km²"))
    box = vertices.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 15, box["y"] - 10, steps=5)
    page.mouse.up()
    axe(page)
    page.get_by_role("button", name="Créer la communauté").click()
    page.get_by_text("est créée : vous en êtes le référent").wait_for()
    axe(page)
    community = Community.objects.get()
    assert community.name == "Riviera 2 – Allée des Manguiers"
    assert 150_000 < community.area_m2 < 400_000

    # A neighbour living inside asks to join.
    yao = factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    factories.make_home(yao, latitude=5.3603, longitude=-3.9596)
    neighbour = context.browser.new_context(
        base_url=page.url.split("/c/")[0], locale="fr-FR"
    ).new_page()
    log_in(neighbour, "yao.kouassi@exemple.ci")
    neighbour.get_by_role("link", name="Mon quartier").first.click()
    neighbour.get_by_role("button", name="Demander à rejoindre").click()
    neighbour.get_by_text("Votre demande est envoyée").wait_for()
    axe(neighbour)

    # The référent accepts.
    page.goto(f"/c/{community.pk}/demandes/")
    axe(page)
    page.get_by_role("button", name="Accepter Yao").click()
    page.get_by_text("fait maintenant partie de la communauté").wait_for()

    # Both see each other in the directory.
    page.goto(f"/c/{community.pk}/annuaire/")
    expect(page.get_by_role("link", name="Yao Kouassi")).to_be_visible()
    axe(page)
    neighbour.goto(f"/c/{community.pk}/annuaire/")
    expect(neighbour.get_by_role("link", name="Adjoua Konan")).to_be_visible()

    # The référent makes Yao référent too.
    page.goto(f"/c/{community.pk}/referents/")
    axe(page)
    page.get_by_role("button", name="Nommer Yao Kouassi référent").click()
    page.get_by_text("Yao Kouassi est maintenant référent.").wait_for()
    assert Membership.objects.get(user=yao).is_referent


def test_a_twinning_asked_and_accepted(context, axe, awa, koffi, riviera, riviera3):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    page.goto(f"/c/{riviera.pk}/jumelages/")
    axe(page)
    page.get_by_label("Communauté voisine").select_option(value=str(riviera3.pk))
    page.get_by_role("button", name="Envoyer la demande").click()
    page.get_by_text("La demande de jumelage est envoyée").wait_for()

    other = context.browser.new_context(
        base_url=page.url.split("/c/")[0], locale="fr-FR"
    ).new_page()
    log_in(other, "koffi.brou@exemple.ci")
    other.goto(f"/c/{riviera3.pk}/jumelages/")
    other.get_by_role("button", name="Accepter").click()
    other.get_by_text("Le jumelage est actif.").wait_for()
    axe(other)
    assert Twinning.objects.get().status == "active"
    page.goto(f"/c/{riviera.pk}/historique/")
    expect(page.get_by_text("Jumelage").first).to_be_visible()


def test_the_community_pages_pass_axe(context, axe, awa, riviera, yao):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    for path in (
        "",
        "annuaire/",
        f"membres/{yao.pk}/",
        "historique/",
        "delimitation/",
        "reglages/",
        "inscrire-un-voisin/",
    ):
        page.goto(f"/c/{riviera.pk}/{path}")
        axe(page)
    page.goto("/communautes/")
    axe(page)
    page.goto("/communautes/cocody/")
    axe(page)
    assert mail.outbox is not None


def test_a_community_name_is_shown_as_text_in_the_map_tooltip(page, awa):
    """Leaflet sets a string tooltip as HTML: a name typed by a member must stay text."""
    hostile = "<img src=x onerror=alert(1)>"
    factories.make_community(awa, name=hostile)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/communautes/cocody/")
    area = page.locator("[data-area-map] path.leaflet-interactive").first
    area.wait_for()
    box = area.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(hostile)
    assert page.locator("[data-area-map] img[src=x]").count() == 0
    assert dialogs == []


def test_no_map_control_covers_a_point_of_the_area(page, awa):
    """The area's north-west corner is the top-left of its bounds, where the +/- sits."""
    # Wide enough to nearly fill the phone's map once fitted: the corner lands at the edge.
    community = factories.make_community(awa, side_m=950)
    log_in(page, "awa.kone@exemple.ci")
    page.goto(f"/c/{community.pk}/delimitation/")
    vertices = page.locator(".area-vertex")
    expect(vertices).to_have_count(4)
    controls = page.locator("#area-editor .leaflet-control")
    expect(controls.locator(".leaflet-control-zoom-in")).to_have_count(1)
    for control in (controls.nth(i).bounding_box() for i in range(controls.count())):
        for box in (vertices.nth(i).bounding_box() for i in range(4)):
            assert (
                box["x"] >= control["x"] + control["width"]
                or box["y"] >= control["y"] + control["height"]
                or box["x"] + box["width"] <= control["x"]
                or box["y"] + box["height"] <= control["y"]
            ), (box, control)
