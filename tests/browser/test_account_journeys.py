import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from monquartier.accounts.models import Profile, User
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Maquis-Sous-Les-Manguiers"


def last_link(pattern: str) -> str:
    return re.search(pattern, mail.outbox[-1].body).group(0)


def test_sign_up_phone_first_correct_the_email_confirm_it_log_out_and_in(
    page, live_server, axe, sms_outbox
):
    page.goto("/")
    axe(page)
    page.get_by_role("link", name="S'inscrire").first.click()
    axe(page)
    page.get_by_label("Prénom").fill("Adjoua")
    page.get_by_label("Nom", exact=True).fill("Konan")
    page.get_by_label("Adresse e-mail").fill("adjoua.konan@exemple.cii")  # a slip
    page.get_by_label("Téléphone mobile").fill("07 07 12 34 56")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_label("charte").check()
    page.get_by_role("button", name="Créer mon compte").click()
    # The SMS code at once, without waiting for the e-mail.
    page.get_by_role("heading", name="Vérifier mon mobile").wait_for()
    axe(page)
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    page.get_by_role("heading", name="Bonjour Adjoua").wait_for()
    axe(page)
    # The next step is open; the e-mail waits, and its address can be corrected.
    page.get_by_role("link", name="Confirmer mon e-mail").click()
    page.get_by_text("adjoua.konan@exemple.cii").wait_for()
    axe(page)
    page.get_by_text("Ce n'est pas la bonne adresse").click()
    page.get_by_label("La bonne adresse e-mail").fill("adjoua.konan@exemple.ci")
    page.get_by_role("button", name="Envoyer à cette adresse").click()
    page.get_by_text("C'est envoyé").wait_for()
    axe(page)
    assert mail.outbox[-1].to == ["adjoua.konan@exemple.ci"]

    page.goto(last_link(r"http://[^/]+/compte/confirm-email/\S+/"))
    axe(page)
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("heading", name="Bonjour Adjoua").wait_for()
    expect(page.get_by_role("link", name="Confirmer mon e-mail")).to_have_count(0)
    user = User.objects.get(email="adjoua.konan@exemple.ci")
    assert user.mobile_verified and user.emailaddress_set.get().verified

    page.get_by_role("button", name="Déconnexion").click()
    page.get_by_role("link", name="Connexion").wait_for()
    page.get_by_role("link", name="Connexion").click()
    axe(page)
    page.get_by_label("Adresse e-mail").fill("adjoua.konan@exemple.ci")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Bonjour Adjoua").wait_for()


def test_a_wrong_phone_is_explained_next_to_the_field(page, axe):
    page.goto("/compte/signup/")
    page.get_by_label("Téléphone mobile").fill("0707")
    page.get_by_role("button", name="Créer mon compte").click()
    error = page.locator("#id_phone_error")
    error.wait_for()
    assert "trop court" in error.inner_text() and "07 07 12 34 56" in error.inner_text()
    assert page.get_by_label("Téléphone mobile").get_attribute("aria-invalid") == "true"
    axe(page)


def test_reset_a_forgotten_password(page, axe):
    factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    page.goto("/compte/login/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    axe(page)
    page.get_by_label("Adresse e-mail").fill("awa.kone@exemple.ci")
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_role("heading", name="Regardez vos e-mails").wait_for()
    axe(page)
    page.goto(last_link(r"http://[^/]+/compte/password/reset/key/\S+/"))
    page.get_by_label("Nouveau mot de passe", exact=True).fill("Nouveau-Depart-Au-Plateau")
    page.get_by_label("Nouveau mot de passe (confirmation)").fill("Nouveau-Depart-Au-Plateau")
    axe(page)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.get_by_role("heading", name="Mot de passe changé").wait_for()
    axe(page)
    assert User.objects.get(email="awa.kone@exemple.ci").check_password("Nouveau-Depart-Au-Plateau")


def log_in(page, email: str, password: str = factories.PASSWORD) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name=re.compile("^Bonjour")).wait_for()


def test_address_with_a_pin_when_tiles_do_not_load(page, axe):
    factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    log_in(page, "yao.kouassi@exemple.ci")
    page.get_by_role("link", name="Indiquer mon adresse").click()
    page.get_by_label("Commune").select_option(label="Cocody")
    page.get_by_label("Quartier").fill("Riviera 2")
    page.get_by_label("Adresse").fill("Lot 114, îlot 9")
    page.get_by_label("Point de repère").fill("derrière l'église")
    # The tile server is unreachable in tests: the map says so and still takes a pin.
    page.locator("#pin-map.map--offline").wait_for()
    assert "ne se charge pas" in page.locator("#map-status").inner_text()
    page.locator("#pin-map").tap()
    assert page.locator("[name=latitude]").input_value() != ""
    axe(page)
    # The browser's position moves the pin.
    page.get_by_role("button", name="Utiliser ma position").click()
    expect(page.locator("[name=latitude]")).to_have_value("5.360100")
    page.get_by_role("button", name="Enregistrer mon adresse").click()
    page.get_by_text("Votre adresse est enregistrée.").wait_for()
    home = User.objects.get(email="yao.kouassi@exemple.ci").home
    assert (home.commune.slug, round(home.latitude, 4), round(home.longitude, 4)) == (
        "cocody",
        5.3601,
        -3.9598,
    )


def test_the_first_tap_on_save_after_typing_coordinates_saves_the_address(page):
    """Leaving the field writes a message under the map: the button must not move meanwhile."""
    factories.make_user("Yao", "Kouassi", email="yao.kouassi@exemple.ci")
    log_in(page, "yao.kouassi@exemple.ci")
    page.goto("/parametres/adresse/")
    page.get_by_label("Commune").select_option(label="Cocody")
    page.get_by_label("Quartier").fill("Riviera 2")
    page.locator("#pin-map.map--offline").wait_for()
    page.get_by_text("Saisir les coordonnées à la main").click()
    page.get_by_label("Latitude").fill("5.3601")
    page.get_by_label("Longitude").fill("-3.9598")
    save = page.get_by_role("button", name="Enregistrer mon adresse")
    save.scroll_into_view_if_needed()
    # A finger lands where the button is while the field still has the focus.
    box = save.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text("Votre adresse est enregistrée.").wait_for()
    home = User.objects.get(email="yao.kouassi@exemple.ci").home
    assert (round(home.latitude, 4), round(home.longitude, 4)) == (5.3601, -3.9598)


def test_edit_the_profile_with_a_photo(page, axe, tmp_path):
    factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    log_in(page, "awa.kone@exemple.ci")
    page.get_by_role("link", name="Paramètres").click()
    axe(page)
    page.get_by_role("link", name=re.compile("Mon profil")).click()
    axe(page)
    photo = tmp_path / "moi.jpg"
    photo.write_bytes(factories.image_bytes(size=(1600, 1200)))
    page.get_by_label("Photo", exact=True).set_input_files(str(photo))
    page.get_by_role("button", name="Envoyer la photo").click()
    page.get_by_text("Votre photo est enregistrée.").wait_for()
    avatar = page.get_by_role("img", name="Ma photo")
    expect(avatar).to_have_js_property("naturalWidth", 160)
    page.get_by_label("Présentation").fill("Couturière à la Riviera, je connais tout le monde.")
    page.get_by_label("Date de naissance").fill("1988-03-14")
    page.get_by_role("button", name="Enregistrer").last.click()
    page.get_by_text("Votre profil est enregistré.").wait_for()
    axe(page)
    profile = Profile.objects.get(user__email="awa.kone@exemple.ci")
    assert profile.photo and profile.birth_date.isoformat() == "1988-03-14"


def test_a_fake_photo_is_refused_in_the_page(page, tmp_path):
    factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    log_in(page, "awa.kone@exemple.ci")
    page.goto("/parametres/profil/")
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.4 pas une image")
    page.get_by_label("Photo", exact=True).set_input_files(str(fake))
    page.get_by_role("button", name="Envoyer la photo").click()
    assert "pas une image lisible" in page.locator("#id_photo_error").inner_text()


def test_close_the_account(page, axe):
    factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")
    log_in(page, "awa.kone@exemple.ci")
    page.goto("/parametres/")
    page.get_by_role("link", name=re.compile("Fermer mon compte")).click()
    axe(page)
    page.get_by_label("Votre mot de passe").fill(factories.PASSWORD)
    page.get_by_label("Je comprends").check()
    page.get_by_role("button", name="Fermer définitivement mon compte").click()
    page.get_by_text("Votre compte est fermé").wait_for()
    axe(page)
    assert User.objects.get(closed_at__isnull=False).email is None
