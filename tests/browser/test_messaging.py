import pytest
from playwright.sync_api import expect

from monquartier.messaging.models import Message
from tests import factories
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ange(riviera):
    return factories.add_member(
        riviera, first_name="Ange", last_name="Ehui", email="ange.ehui@exemple.ci"
    )


def test_awa_writes_to_two_neighbours_and_each_reads_it(
    context, axe, riviera, awa, yao, ange, live_server
):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    axe(page)
    page.get_by_role("link", name="Messages").first.click()
    page.get_by_role("heading", name="Messages").wait_for()
    axe(page)
    page.get_by_role("link", name="Nouveau message").click()
    axe(page)
    # Live suggestions while typing, then "Ajouter", one person at a time.
    search = page.get_by_label("Chercher un voisin")
    search.fill("Kouas")
    expect(page.get_by_role("button", name="Ajouter Ange Ehui")).to_have_count(0)
    page.get_by_role("button", name="Ajouter Yao Kouassi").click()
    expect(page.get_by_role("checkbox", name="Yao Kouassi")).to_be_checked()
    expect(page.get_by_role("status")).to_contain_text("Yao Kouassi")
    expect(search).to_be_focused()
    search.fill("Ange")
    page.get_by_role("button", name="Ajouter Ange Ehui").click()
    expect(page.get_by_role("checkbox", name="Ange Ehui")).to_be_checked()
    axe(page)
    page.get_by_label("Votre message").fill(
        "Bonsoir ! Réunion des voisins samedi à 10 h chez moi, pour la pompe à eau. <b>Venez</b> !"
    )
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.get_by_text("Message envoyé.").wait_for()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Conversation avec Yao Kouassi, Ange Ehui"
    )
    axe(page)
    message = Message.objects.get()
    assert set(message.conversation.participants.values_list("user", flat=True)) == {
        awa.pk,
        yao.pk,
        ange.pk,
    }

    for email in ("yao.kouassi@exemple.ci", "ange.ehui@exemple.ci"):
        neighbour = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
        log_in(neighbour, email)
        messages_link = neighbour.get_by_role("link", name="Messages 1")
        expect(messages_link).to_be_visible()
        messages_link.click()
        axe(neighbour)
        conversation = neighbour.locator(".conversation-item.is-unread")
        expect(conversation).to_contain_text("Awa Koné")
        expect(conversation).to_contain_text("1 non lu")
        conversation.get_by_role("link").click()
        expect(neighbour.locator(".thread-text")).to_contain_text("<b>Venez</b> !")
        axe(neighbour)
        neighbour.get_by_role("link", name="Messages", exact=True).click()
        expect(neighbour.locator(".conversation-item.is-unread")).to_have_count(0)
        neighbour.context.close()


def test_without_javascript_the_form_still_picks_and_sends(
    browser, riviera, awa, yao, ange, live_server, communes
):
    # axe needs JavaScript: the same page was checked with it above.
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, "ange.ehui@exemple.ci")
    page.goto("/messages/nouveau/")
    page.get_by_label("Votre message").fill("Quelqu'un a un escabeau à prêter ?")
    page.get_by_label("Chercher un voisin").fill("awa")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("button", name="Ajouter Awa Koné").click()
    expect(page.get_by_role("checkbox", name="Awa Koné")).to_be_checked()
    # The text survived the round trips.
    expect(page.get_by_label("Votre message")).to_have_value("Quelqu'un a un escabeau à prêter ?")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.get_by_text("Message envoyé.").wait_for()
    assert Message.objects.get().sender == ange
    context.close()
