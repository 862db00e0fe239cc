"""One-click unsubscribe (RFC 8058) and the checkbox in Paramètres."""

from django.test import Client
from django.urls import reverse

from monquartier.accounts.models import User
from monquartier.newsletters.tokens import unsubscribe_token
from tests import factories


def url(token: str) -> str:
    return reverse("newsletters:unsubscribe", kwargs={"token": token})


def subscribed_user(**fields) -> User:
    return factories.make_user("Awa", "Koné", newsletter=True, **fields)


def test_one_click_post_unsubscribes_without_session_or_csrf(db):
    awa = subscribed_user()
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(unsubscribe_token(awa.pk)), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    awa.refresh_from_db()
    assert awa.newsletter is False
    # Twice is harmless.
    assert client.post(url(unsubscribe_token(awa.pk))).status_code == 200


def test_get_shows_a_confirm_button_and_changes_nothing(db):
    awa = subscribed_user()
    response = Client().get(url(unsubscribe_token(awa.pk)))
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    awa.refresh_from_db()
    assert awa.newsletter is True


def test_a_bad_token_changes_nothing(db):
    awa = subscribed_user()
    yao = subscribed_user(email="yao@exemple.ci")
    token = unsubscribe_token(awa.pk)
    forged = f"{yao.pk}:{token.split(':', 1)[1]}"  # Awa's signature on Yao's id
    for bad in [forged, "nimportequoi", token[:-2], f"{awa.pk}", "x" * 300]:
        response = Client(enforce_csrf_checks=True).post(url(bad))
        assert response.status_code == 400, bad
        assert "Rien n'a changé" in response.content.decode()
    assert User.objects.filter(newsletter=True).count() == 2


def test_a_token_of_another_purpose_is_refused(db):
    from django.core import signing

    awa = subscribed_user()
    other = signing.Signer(salt="something.else").sign(str(awa.pk))
    assert Client().post(url(other)).status_code == 400
    awa.refresh_from_db()
    assert awa.newsletter is True


def test_only_get_and_post(db):
    awa = subscribed_user()
    assert Client().put(url(unsubscribe_token(awa.pk))).status_code == 405


def test_settings_checkbox_subscribes_and_unsubscribes(awa_client, awa):
    page = awa_client.get(reverse("accounts:identity")).content.decode()
    assert 'name="newsletter"' in page
    form = {"first_name": "Awa", "last_name": "Koné", "pseudonym": "", "language": "fr"}
    awa_client.post(reverse("accounts:identity"), {**form, "newsletter": "on"})
    awa.refresh_from_db()
    assert awa.newsletter is True
    awa_client.post(reverse("accounts:identity"), form)
    awa.refresh_from_db()
    assert awa.newsletter is False


def test_the_unsubscribe_pages_are_small_and_script_free(db):
    from tests.core.test_pages import check_page

    awa = subscribed_user()
    check_page(Client().get(url(unsubscribe_token(awa.pk))))
    check_page(Client().post(url(unsubscribe_token(awa.pk))))


def test_the_settings_page_says_whether_the_member_receives_it(awa_client, awa):
    page = awa_client.get(reverse("accounts:settings")).content.decode()
    assert "Vous ne la recevez pas" in page
    User.objects.filter(pk=awa.pk).update(newsletter=True)
    page = awa_client.get(reverse("accounts:settings")).content.decode()
    assert "Vous la recevez par e-mail" in page
