"""The members' "Mairie partenaire" page: a partner commune, a commune without one."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from monquartier.townhalls.models import Announcement, AnnouncementCategory
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/mairie-partenaire/"


def _announce(town_hall, communities, text, *, hours_ago=0, **fields):
    announcement = Announcement.objects.create(
        town_hall=town_hall,
        category=fields.pop("category", AnnouncementCategory.WATER_CUT),
        text=text,
        created_at=timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )
    announcement.communities.set(communities)
    return announcement


def test_without_a_partner_the_member_can_download_and_send_the_presentation(client, yao, riviera):
    factories.log_in(client, yao)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ce que fait une mairie partenaire" in html
    assert "La mairie de Cocody n'est pas encore partenaire" in html
    assert 'href="/mairie-partenaire/monquartier-cocody.pdf"' in html
    assert 'download="monquartier-cocody.pdf"' in html
    assert 'name="to"' in html and 'name="message"' in html
    # Members find it in the footer.
    home = client.get("/").content.decode()
    assert f'href="{PAGE}"' in home


def test_with_a_partner_the_page_says_so_and_shows_its_announcements_to_the_community(
    client, yao, riviera, riviera3, cocody_town_hall
):
    _announce(cocody_town_hall, [riviera, riviera3], "Coupure d'eau samedi matin", hours_ago=5)
    _announce(
        cocody_town_hall,
        [riviera],
        "Travaux boulevard Latrille",
        category=AnnouncementCategory.ROADWORKS,
        place="Carrefour Latrille",
        hours_ago=1,
    )
    _announce(cocody_town_hall, [riviera3], "Réservé à Riviera 3")
    factories.log_in(client, yao)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "La Mairie de Cocody est partenaire de MonQuartier" in html
    assert "Les annonces de la Mairie de Cocody" in html
    assert "Réservé à Riviera 3" not in html
    assert html.index("Travaux boulevard Latrille") < html.index("Coupure d&#x27;eau samedi matin")
    assert "Carrefour Latrille" in html
    # No presentation to send: the town hall is already a partner.
    assert 'name="to"' not in html and "monquartier-cocody.pdf" not in html


def test_a_partner_s_coat_of_arms_is_shown(client, yao, riviera, cocody_town_hall):
    factories.log_in(client, yao)
    url = reverse("townhalls:coat_of_arms", args=[cocody_town_hall.pk])
    assert "Armoiries" not in client.get(PAGE).content.decode()
    assert client.get(url).status_code == 404
    cocody_town_hall.coat_of_arms.save(
        "armoiries.png", ContentFile(factories.image_bytes("PNG", size=(96, 96)))
    )
    html = client.get(PAGE).content.decode()
    assert f'src="{url}"' in html and "Armoiries de la Mairie de Cocody" in html
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_when_the_partnership_ended_the_page_no_longer_says_it(client, yao, riviera):
    factories.make_town_hall(
        "cocody", ends_on=timezone.localdate() - timedelta(days=1), name="Mairie de Cocody"
    )
    factories.log_in(client, yao)
    html = client.get(PAGE).content.decode()
    assert "est partenaire de MonQuartier" not in html
    assert "pas encore partenaire" in html


def test_a_member_of_another_commune_sees_their_own_commune(client, issa, cocody_town_hall):
    factories.log_in(client, issa)
    html = client.get(PAGE).content.decode()
    assert "La mairie de Yopougon n'est pas encore partenaire" in html
    assert "monquartier-yopougon.pdf" in html


def test_an_account_without_a_home_gets_the_explanation_only(client, mariam):
    factories.log_in(client, mariam)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Indiquez votre domicile" in html and 'name="to"' not in html
    assert client.post(PAGE, {"to": "maire@mairie-cocody.ci"}).status_code == 302


def test_an_agent_or_a_visitor_gets_no_members_page(client, aicha):
    visitor = client.get(PAGE)
    assert visitor.status_code == 302 and visitor.url.startswith(reverse("account_login"))
    factories.log_in(client, aicha)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"to": "maire@mairie-cocody.ci"}).status_code == 404
    assert f'href="{PAGE}"' not in client.get(reverse("townhalls:console")).content.decode()


def test_the_page_s_queries_do_not_grow_with_the_announcements(
    client, yao, riviera, cocody_town_hall, django_assert_max_num_queries
):
    for number in range(30):
        _announce(cocody_town_hall, [riviera], f"Annonce {number}", hours_ago=number)
    factories.log_in(client, yao)
    with django_assert_max_num_queries(12):
        html = client.get(PAGE).content.decode()
    assert "Annonce 0" in html and "Annonce 19" in html and "Annonce 20" not in html
