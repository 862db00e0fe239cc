"""Every community page against every role: who gets the page, who is refused."""

import pytest
from django.urls import reverse

from monquartier.communities.models import Membership, Twinning
from tests import factories

MEMBER_PAGES = [
    "communities:info",
    "communities:directory",
    "communities:history",
    "communities:twinnings",
]
REFERENT_PAGES = [
    "communities:requests",
    "communities:referents",
    "communities:boundary",
    "communities:settings",
    "communities:register_neighbour",
]

# role -> (status on member pages, status on référent pages)
EXPECTED = {
    "visitor": (302, 302),
    "pending": (403, 403),
    "member": (200, 403),
    "referent": (200, 200),
    "twinned": (404, 404),
    "outsider": (404, 404),
    "staff": (200, 403),
}


@pytest.fixture
def people(awa, yao, salif, aya, issa, mariam, twinned):
    return {
        "visitor": None,
        "pending": salif,
        "member": yao,
        "referent": awa,
        "twinned": aya,
        "outsider": issa,
        "staff": mariam,
    }


@pytest.mark.parametrize("role", EXPECTED)
def test_community_pages_per_role(client, riviera, people, role):
    if people[role]:
        factories.log_in(client, people[role])
    member_status, referent_status = EXPECTED[role]
    for name in MEMBER_PAGES:
        assert client.get(reverse(name, args=[riviera.pk])).status_code == member_status, name
    for name in REFERENT_PAGES:
        assert client.get(reverse(name, args=[riviera.pk])).status_code == referent_status, name
    card = reverse("communities:member", args=[riviera.pk, people["member"].pk])
    assert client.get(card).status_code == member_status


def test_a_pending_member_is_told_the_request_is_waiting(client, riviera, salif):
    factories.log_in(client, salif)
    response = client.get(reverse("communities:directory", args=[riviera.pk]))
    assert response.status_code == 403
    assert "attend encore" in response.content.decode()


def test_guessing_ids_across_communities_finds_nothing(
    client, riviera, riviera3, awa, koffi, aya, salif, twinned
):
    factories.log_in(client, awa)
    # A member of the twinned community, through Riviera 2's pages.
    assert client.get(reverse("communities:member", args=[riviera.pk, aya.pk])).status_code == 404
    assert client.get(reverse("moderation:exclusion", args=[riviera.pk, aya.pk])).status_code == 404
    # Riviera 3's pages by their id.
    for name in MEMBER_PAGES:
        assert client.get(reverse(name, args=[riviera3.pk])).status_code == 404
    # Koffi cannot decide Riviera 2's join requests, even with the right ids.
    pending = Membership.objects.get(user=salif)
    factories.log_in(client, koffi)
    for action in ("accept", "refuse"):
        response = client.post(
            reverse(f"communities:{action}", args=[riviera.pk, pending.pk]), {"reason": "non"}
        )
        assert response.status_code == 404
        response = client.post(
            reverse(f"communities:{action}", args=[riviera3.pk, pending.pk]), {"reason": "non"}
        )
        assert response.status_code == 404
    assert Membership.objects.get(user=salif).status == "pending"


def test_a_twinning_of_other_communities_cannot_be_touched(
    client, riviera, riviera3, awa, koffi, twinned
):
    from tests import factories

    third_referent = factories.make_user("Moussa", "Cissé")
    third = factories.make_community(third_referent, name="Riviera 4", centre=(5.3660, -3.9610))
    factories.log_in(client, third_referent)
    response = client.post(
        reverse("communities:twinning_action", args=[third.pk, twinned.pk, "terminer"])
    )
    assert response.status_code == 404
    assert Twinning.objects.get(pk=twinned.pk).status == "active"


def test_a_member_cannot_post_to_referent_actions(client, riviera, yao, awa, salif):
    factories.log_in(client, yao)
    pending = Membership.objects.get(user=salif)
    assert (
        client.post(reverse("communities:accept", args=[riviera.pk, pending.pk])).status_code == 403
    )
    assert (
        client.post(
            reverse("communities:referent_action", args=[riviera.pk, yao.pk, "nommer"])
        ).status_code
        == 403
    )
    assert Membership.objects.get(user=yao).is_referent is False
    assert Membership.objects.get(user=salif).status == "pending"


@pytest.mark.parametrize("page", ["public:communes"])
def test_public_directory_is_open_to_visitors(client, riviera, page):
    assert client.get(reverse(page)).status_code == 200


def test_public_commune_page_lists_communities_without_member_data(client, riviera, awa, yao):
    page = client.get(reverse("public:commune", args=["cocody"])).content.decode()
    assert "Riviera 2" in page
    for private in (awa.last_name, yao.last_name, yao.mobile_display, "Lot 12"):
        assert private not in page


def test_a_community_page_is_public_only_when_turned_on(client, riviera, awa, yao):
    url = reverse("public:community", args=["cocody", riviera.pk])
    assert client.get(url).status_code == 404
    riviera.public_page = True
    riviera.presentation = "Un quartier calme et solidaire."
    riviera.save()
    awa.pseudonym = "Maman Awa"
    awa.save()
    page = client.get(url).content.decode()
    assert "Un quartier calme et solidaire." in page
    assert "Maman Awa" in page
    assert "Koné" not in page and yao.first_name not in page and yao.mobile_display not in page
    assert (
        reverse("public:community", args=["yopougon", riviera.pk])
        and client.get(reverse("public:community", args=["yopougon", riviera.pk])).status_code
        == 404
    )


def test_the_referent_photo_is_public_only_if_ticked(client, riviera, awa):
    from monquartier.accounts.models import Profile
    from tests import factories

    factories.log_in(client, awa)
    client.post(reverse("accounts:upload_photo"), {"photo": factories.uploaded_image()})
    client.logout()
    riviera.public_page = True
    riviera.save()
    photo = reverse("communities:photo", args=[awa.pk, "thumbnail"])
    public = reverse("public:community", args=["cocody", riviera.pk])
    assert photo not in client.get(public).content.decode()
    assert client.get(photo).status_code == 404
    Profile.objects.filter(user=awa).update(show_photo_on_public_page=True)
    assert photo in client.get(public).content.decode()
    assert client.get(photo).status_code == 200


def test_a_commune_page_elides_de_before_a_vowel(client, db):
    page = client.get(reverse("public:commune", args=["abobo"])).content.decode()

    assert "Communautés d&#x27;Abobo" in page
    assert "de Abobo" not in page
    english = client.get(reverse("public:commune", args=["abobo"]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Communities in Abobo" in english.content.decode()
