import pytest
from playwright.sync_api import expect

from monquartier.gazette.models import Post
from tests import factories
from tests.browser.sign_in import log_in_with_code
from tests.browser.test_account_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_post_with_a_photo_a_neighbour_sees_it_reports_it_and_staff_hide_it(
    context, axe, riviera, awa, yao, mariam, live_server, tmp_path
):
    page = context.new_page()
    log_in(page, "awa.kone@exemple.ci")
    page.get_by_role("link", name="Gazette").first.click()
    axe(page)
    page.get_by_role("link", name="Publier une annonce").first.click()
    axe(page)
    page.get_by_label("Rubrique").select_option(label="Objets perdus et trouvés")
    page.get_by_label("Titre").fill("Chat roux trouvé")
    page.get_by_label("Texte").fill("Un chat roux attend son maître devant le lot 8.")
    photo = tmp_path / "chat.jpg"
    photo.write_bytes(factories.image_bytes(size=(1200, 900)))
    page.get_by_label("Photos ou documents PDF").set_input_files(str(photo))
    page.get_by_role("button", name="Publier").click()
    page.get_by_text("Votre annonce est publiée.").wait_for()
    axe(page)
    post = Post.objects.get()

    neighbour = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in(neighbour, "yao.kouassi@exemple.ci")
    neighbour.get_by_role("link", name="Gazette").first.click()
    neighbour.get_by_role("link", name="Chat roux trouvé").click()
    thumbnail = neighbour.get_by_role("img", name="Photo 1 en grand")
    expect(thumbnail).to_have_js_property("naturalWidth", 160)
    axe(neighbour)
    neighbour.get_by_role("link", name="Signaler ce contenu").click()
    axe(neighbour)
    neighbour.get_by_label("Publicité abusive ou arnaque").check()
    neighbour.get_by_role("button", name="Envoyer le signalement").click()
    neighbour.get_by_text("l'équipe MonQuartier examine votre signalement").wait_for()

    mariam.is_superuser = True
    mariam.save()
    staff = context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    log_in_with_code(staff, "mariam.bamba@monquartier.ci")
    staff.goto("/admin/moderation/report/")
    staff.locator("input[name=_selected_action]").first.check()
    staff.locator("select[name=action]").select_option("hide_item")
    staff.locator("button[name=index]").click()
    staff.get_by_text("1 contenu masqué.").wait_for()

    neighbour.goto("/gazette/")
    expect(neighbour.get_by_role("link", name="Chat roux trouvé")).to_have_count(0)
    post.refresh_from_db()
    assert post.is_hidden
