"""The member pages' cache (core/pagecache.py): a repeat visit of an unchanged page costs
no rendering, and every change that a page shows renders it again at once."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.urls import reverse

from monquartier.accounts import services as account_services
from monquartier.alerts import services as alert_services
from monquartier.communities.services import membership as membership_services
from monquartier.core import pagecache
from monquartier.gazette.models import Post
from monquartier.messaging import services as messaging
from tests import factories

pytestmark = pytest.mark.django_db


def _alert(sender, text: str):
    return alert_services.send_alert(sender, category="other", text=text)


def _rendered(response) -> bool:
    # The test client gives the template's context of a rendered answer only.
    return response.context is not None


@pytest.fixture
def yao_client(client, riviera, yao):
    factories.log_in(client, yao)
    client.get(reverse("home"))  # the CSRF cookie, as a browser has it after a first page
    return client


def test_a_repeat_visit_is_answered_without_rendering(
    yao_client, awa, django_assert_max_num_queries
):
    _alert(awa, "Chien perdu rue des Jardins")
    url = reverse("home")
    first = yao_client.get(url)
    assert _rendered(first)
    assert "Chien perdu" in first.content.decode()
    # The session and the user: the rest comes from the cache.
    with django_assert_max_num_queries(2):
        again = yao_client.get(url)
    assert not _rendered(again)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert "private" in again["Cache-Control"] and "no-cache" in again["Cache-Control"]
    assert again["Content-Type"] == first["Content-Type"]


def test_a_browser_revalidating_gets_a_304(yao_client, awa):
    url = reverse("alerts:list")
    first = yao_client.get(url)
    unchanged = yao_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    _alert(awa, "Coupure de courant ce soir")
    changed = yao_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Coupure de courant" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]


def test_a_reload_renders(yao_client):
    url = reverse("gazette:list")
    yao_client.get(url)
    assert not _rendered(yao_client.get(url))
    assert _rendered(yao_client.get(url, HTTP_CACHE_CONTROL="no-cache"))


@pytest.mark.parametrize(
    "url_name", ["home", "alerts:list", "communities:info", "communities:history"]
)
def test_a_new_alert_shows_at_once(yao_client, riviera, awa, url_name):
    url = reverse(url_name, args=[riviera.pk] if url_name.startswith("communities") else [])
    yao_client.get(url)
    assert not _rendered(yao_client.get(url))
    factories.add_member(riviera, first_name="Bintou", last_name="Sangaré")
    _alert(awa, "Voiture suspecte devant l'école")
    again = yao_client.get(url)
    assert _rendered(again)


def test_an_alert_of_a_twinned_community_shows_at_once(yao_client, twinned, aya):
    url = reverse("alerts:list")
    yao_client.get(url)
    _alert(aya, "Incendie au marché de Riviera 3")
    assert "Incendie au marché" in yao_client.get(url).content.decode()


def test_a_new_post_and_its_edit_show_at_once(yao_client, awa):
    url = reverse("gazette:list")
    yao_client.get(url)
    post = factories.make_post(awa, title="Vide-grenier samedi")
    assert "Vide-grenier samedi" in yao_client.get(url).content.decode()
    detail = reverse("gazette:detail", args=[post.pk])
    yao_client.get(detail)
    from monquartier.gazette import services as gazette_services

    gazette_services.edit_post(
        awa,
        Post.objects.get(pk=post.pk),
        title="Vide-grenier dimanche",
        text=post.text,
        category=post.category,
        files=[],
        remove=[],
    )
    assert "Vide-grenier dimanche" in yao_client.get(detail).content.decode()
    assert "Vide-grenier dimanche" in yao_client.get(url).content.decode()


def test_a_message_shows_in_the_recipients_list_and_home(yao_client, awa, yao):
    home = reverse("home")
    conversations = reverse("messaging:list")
    yao_client.get(home)
    yao_client.get(conversations)
    messaging.start_conversation(awa, [yao.pk], "Réunion des voisins jeudi")
    listed = yao_client.get(conversations)
    assert _rendered(listed)
    assert "Réunion des voisins" in listed.content.decode()
    assert _rendered(yao_client.get(home))


def test_the_visit_that_reads_a_conversation_is_cached_read(yao_client, awa, yao):
    conversation = messaging.start_conversation(
        awa, [yao.pk], "Réunion des voisins jeudi"
    ).conversation
    url = reverse("messaging:conversation", args=[conversation.pk])
    conversations = reverse("messaging:list")
    assert "non lu" in yao_client.get(conversations).content.decode()
    first = yao_client.get(url)
    assert _rendered(first)
    again = yao_client.get(url)
    assert not _rendered(again)
    assert again.content == first.content
    # The list, rendered again, shows it read.
    listed = yao_client.get(conversations)
    assert _rendered(listed) and "non lu" not in listed.content.decode()
    messaging.reply(awa, conversation, "Et vendredi ?")
    shown = yao_client.get(url)
    assert _rendered(shown) and "Et vendredi" in shown.content.decode()


def test_reading_an_alert_changes_the_readers_pages_only(client, yao_client, riviera, awa, yao):
    alert = _alert(awa, "Rue inondée")
    url = reverse("alerts:list")
    yao_client.get(url)
    assert not _rendered(yao_client.get(url))
    detail = yao_client.get(reverse("alerts:detail", args=[alert.pk]))
    assert _rendered(detail)
    # Yao's read mark: his list shows the alert as read now.
    assert _rendered(yao_client.get(url))


def test_the_visit_that_reads_an_alert_is_cached_read(yao_client, riviera, awa, yao):
    alert = _alert(awa, "Canalisation cassée")
    url = reverse("alerts:detail", args=[alert.pk])
    first = yao_client.get(url)
    assert _rendered(first)
    # The read mark bumped Yao's version, and the page stored is the one that follows it.
    again = yao_client.get(url)
    assert not _rendered(again)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert yao_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_change_while_the_alert_page_renders_is_not_hidden(
    yao_client, riviera, awa, yao, monkeypatch
):
    from monquartier.alerts import acknowledgements

    alert = _alert(awa, "Arbre tombé")
    url = reverse("alerts:detail", args=[alert.pk])
    real = acknowledgements.seen_by

    def seen_by_while_someone_writes(*args, **kwargs):
        # Someone else changes what Yao sees after his read mark, before the page reads it.
        pagecache.bump(pagecache.user(yao.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(acknowledgements, "seen_by", seen_by_while_someone_writes)
    yao_client.get(url)
    monkeypatch.setattr(acknowledgements, "seen_by", real)
    assert _rendered(yao_client.get(url))


def test_a_name_change_shows_in_the_directory(yao_client, riviera, awa):
    url = reverse("communities:directory", args=[riviera.pk])
    assert "Awa" in yao_client.get(url).content.decode()
    account_services.update_user(awa, first_name="Awatif")
    assert "Awatif" in yao_client.get(url).content.decode()


def test_a_member_who_left_no_longer_gets_the_page(yao_client, riviera, yao):
    url = reverse("communities:directory", args=[riviera.pk])
    assert yao_client.get(url).status_code == 200
    membership_services.leave_community(yao)
    assert yao_client.get(url).status_code == 404


def test_each_member_gets_their_own_page(client, riviera, awa, yao):
    url = reverse("communities:directory", args=[riviera.pk])
    factories.log_in(client, yao)
    client.get(reverse("home"))
    for_yao = client.get(url)
    factories.log_in(client, awa)
    client.get(reverse("home"))
    for_awa = client.get(url)
    assert _rendered(for_awa)
    assert for_awa.content != for_yao.content


def test_a_flash_message_waiting_is_shown_not_a_cached_page(yao_client, rf):
    url = reverse("home")
    yao_client.get(url)
    yao_client.get(url)
    # What a form's redirect leaves for the next page (Django's cookie storage first).
    storage = CookieStorage(rf.get("/"))
    yao_client.cookies[CookieStorage.cookie_name] = storage._encode(
        [Message(messages.SUCCESS, "Votre profil est enregistré.")]
    )
    shown = yao_client.get(url)
    assert _rendered(shown)
    assert "Votre profil est enregistré." in shown.content.decode()
    # Used up: the next visit is a repeat visit again.
    again = yao_client.get(url)
    assert "Votre profil est enregistré." not in again.content.decode()


@pytest.mark.parametrize("query", ["?q=1", "?page=abc", "?page=1&page=2", "?x=" + "a" * 50])
def test_other_query_strings_always_render(yao_client, query):
    url = reverse("alerts:list") + query
    yao_client.get(url)
    assert _rendered(yao_client.get(url))


def test_page_numbers_are_cached_apart(yao_client, awa):
    url = reverse("alerts:list")
    yao_client.get(url + "?page=2")
    assert not _rendered(yao_client.get(url + "?page=2"))
    assert _rendered(yao_client.get(url + "?page=3"))


def test_staff_pages_are_never_cached(client, riviera, mariam):
    factories.log_in(client, mariam)
    url = reverse("communities:info", args=[riviera.pk])
    client.get(url)
    assert _rendered(client.get(url))


def test_the_sender_watching_their_alert_gets_it_live(client, riviera, awa, monkeypatch):
    """Its delivery moves by the second: a visit within LIVE_SECONDS gets the page kept,
    with no ETag of the cache's (a revalidation would answer 304 to a page that moved),
    and a later one renders it again."""
    alert = _alert(awa, "Coupure de courant")
    factories.log_in(client, awa)
    client.get(reverse("home"))
    url = reverse("alerts:detail", args=[alert.pk])
    first = client.get(url)
    assert _rendered(first)
    assert not first.get("ETag", "").startswith('"p')
    again = client.get(url)
    assert not _rendered(again)
    assert again.content == first.content
    assert not again.get("ETag", "").startswith('"p')
    real = pagecache.time.time
    monkeypatch.setattr(pagecache.time, "time", lambda: real() + pagecache.LIVE_SECONDS + 1)
    assert _rendered(client.get(url))


def test_a_member_reading_the_alert_gets_it_kept_and_revalidated(yao_client, riviera, awa):
    alert = _alert(awa, "Coupure de courant")
    url = reverse("alerts:detail", args=[alert.pk])
    yao_client.get(url)
    again = yao_client.get(url)
    assert not _rendered(again)
    assert again["ETag"].startswith('"p')
    assert yao_client.get(url, headers={"If-None-Match": again["ETag"]}).status_code == 304


def test_an_acknowledgement_shows_on_the_alert_page(client, yao_client, riviera, awa, yao):
    alert = _alert(awa, "Serpent dans la cour de l'école")
    url = reverse("alerts:detail", args=[alert.pk])
    yao_client.get(url)
    assert not _rendered(yao_client.get(url))
    other = factories.add_member(riviera, first_name="Bintou", last_name="Sangaré")
    from monquartier.alerts import acknowledgements

    acknowledgements.acknowledge(other, alert, channel="web")
    assert _rendered(yao_client.get(url))


def test_the_window_ends(yao_client, settings, monkeypatch):
    url = reverse("home")
    yao_client.get(url)
    assert not _rendered(yao_client.get(url))
    real = pagecache.time.time
    monkeypatch.setattr(pagecache.time, "time", lambda: real() + settings.PAGE_CACHE_SECONDS)
    assert _rendered(yao_client.get(url))


def test_a_lost_version_renders_again(yao_client, yao):
    url = reverse("home")
    yao_client.get(url)
    caches["pages"].delete(f"{pagecache.VERSION_PREFIX}{pagecache.user(yao.pk)}")
    assert _rendered(yao_client.get(url))


def test_switched_off(yao_client, settings):
    settings.PAGE_CACHE_ENABLED = False
    url = reverse("home")
    yao_client.get(url)
    response = yao_client.get(url)
    assert _rendered(response)
    assert "ETag" not in response


def test_a_bump_applies_again_after_the_commit(django_capture_on_commit_callbacks, db):
    from django.db import transaction

    key = f"{pagecache.VERSION_PREFIX}{pagecache.community(1)}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        pagecache.bump(pagecache.community(1))
        during = caches["pages"].get(key)
        assert during is not None
    assert len(callbacks) == 1
    assert caches["pages"].get(key) not in (None, during)


def test_a_value_remembered_by_another_release_is_computed_again(yao, monkeypatch):
    computed = []

    def compute():
        computed.append(1)
        return ("shape", len(computed))

    assert pagecache.remembered(yao.pk, "test:", compute) == ("shape", 1)
    assert pagecache.remembered(yao.pk, "test:", compute) == ("shape", 1)
    monkeypatch.setattr(pagecache, "release", lambda: "another release")
    assert pagecache.remembered(yao.pk, "test:", compute) == ("shape", 2)
    assert pagecache.remembered(yao.pk, "test:", compute) == ("shape", 2)


def test_a_value_is_remembered_from_the_first_call_when_the_user_has_no_version_yet(yao):
    # Accounts loaded in bulk, or whose version was evicted or expired, have none.
    caches["pages"].delete(pagecache.VERSION_PREFIX + pagecache.user(yao.pk))
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert pagecache.remembered(yao.pk, "test:", compute) == 1
    assert pagecache.remembered(yao.pk, "test:", compute) == 1
    pagecache.bump(pagecache.user(yao.pk))
    assert pagecache.remembered(yao.pk, "test:", compute) == 2
