"""The help centre in Chromium on a phone: a visitor finds an answer by searching, opens
it, and follows the « ? » of the sign-up page to its answer; every page passes axe."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_searches_the_help_centre_and_opens_an_answer(page, axe):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Aide", exact=True).click()
    expect(page.get_by_role("heading", name="Centre d'aide", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Alertes et SMS")).to_be_visible()
    axe(page)

    page.get_by_label("Chercher dans l'aide").fill("mot de passe oublié")
    page.get_by_role("button", name="Chercher").click()
    expect(
        page.get_by_role("heading", name="réponses pour « mot de passe oublié »")
    ).to_be_visible()
    answer = page.get_by_role("link", name="J'ai oublié mon mot de passe. Que faire ?")
    expect(answer).to_be_visible()
    expect(page.locator(".help-results mark").first).to_be_visible()
    axe(page)

    answer.click()
    expect(
        page.get_by_role("heading", name="J'ai oublié mon mot de passe. Que faire ?", level=1)
    ).to_be_visible()
    expect(page.get_by_text("Écrivez votre adresse e-mail.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Pouvez-vous me redonner mon mot de passe ?")
    ).to_be_visible()
    axe(page)


def test_the_question_mark_of_the_sign_up_page_leads_to_its_answer(page, axe):
    page.goto("/compte/signup/")
    page.get_by_role("link", name="Aide : créer mon compte").click()
    expect(page.get_by_role("heading", name="Comment créer mon compte ?", level=1)).to_be_visible()
    axe(page)


def test_a_search_that_finds_nothing_offers_the_topics(page, axe):
    page.goto("/aide/recherche/?q=hippopotame")
    expect(page.get_by_text("Aucune réponse ne contient ces mots.")).to_be_visible()
    page.get_by_role("link", name="Le jumelage").click()
    expect(page.get_by_role("heading", name="Le jumelage", level=1)).to_be_visible()
    axe(page)
