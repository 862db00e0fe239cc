"""The privacy table of PRODUCT.md, row by row and column by column.

Columns: M's community, twinned members, town hall, public/others, staff (and M). Rows:
real name, pseudonym, postal address, mobile/landline (hidden or not), e-mail, housing
details, birth date. Each cell is checked on the member card that privacy.py builds;
the pages that show members use nothing else (checked at the end on real pages).
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from monquartier.accounts.models import Profile
from monquartier.communities import privacy
from monquartier.communities.privacy import Relation
from tests import factories


@pytest.fixture
def member(yao):
    """M: Yao, with everything filled in."""
    yao.landline = "+2252722445566"
    yao.save()
    Profile.objects.filter(user=yao).update(
        birth_date=datetime.date(1985, 3, 14),
        housing_type="house",
        has_alarm=True,
        housing_notes="Portail bleu",
    )
    yao.refresh_from_db()
    return yao


@pytest.fixture
def viewers(awa, aya, issa, mariam, member, twinned):
    return {
        Relation.COMMUNITY: awa,
        Relation.TWINNED: aya,
        Relation.OTHER: issa,
        Relation.STAFF: mariam,
        Relation.SELF: member,
    }


def card(member, rel):
    return privacy.member_card(member, rel)


def test_the_relation_of_each_viewer(member, viewers, salif):
    for expected, viewer in viewers.items():
        assert privacy.relation(viewer, member) is expected
    assert privacy.relation(AnonymousUser(), member) is Relation.OTHER
    # A pending member of M's own community is not in it yet.
    assert privacy.relation(salif, member) is Relation.OTHER


ALL = [Relation.COMMUNITY, Relation.TWINNED, Relation.TOWN_HALL, Relation.OTHER, Relation.STAFF]


@pytest.mark.parametrize(
    ("rel", "name"),
    [
        (Relation.COMMUNITY, "Yao Kouassi"),
        (Relation.TWINNED, "Yao de la Riviera"),
        (Relation.TOWN_HALL, "Yao de la Riviera"),
        (Relation.OTHER, "Yao de la Riviera"),
        (Relation.STAFF, "Yao Kouassi"),
        (Relation.SELF, "Yao Kouassi"),
    ],
)
def test_real_name_row(member, rel, name):
    assert card(member, rel).name == name


@pytest.mark.parametrize("rel", [Relation.TWINNED, Relation.TOWN_HALL, Relation.OTHER])
def test_without_pseudonym_outsiders_see_first_name_and_initial(member, rel):
    member.pseudonym = ""
    assert card(member, rel).name == "Yao K."


@pytest.mark.parametrize("rel", ALL)
def test_pseudonym_row_everyone_sees_it(member, rel):
    shown = card(member, rel)
    assert "Yao de la Riviera" in (shown.name, shown.pseudonym)


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, True),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_postal_address_row(member, rel, visible):
    shown = card(member, rel)
    assert (shown.address is not None) is visible
    assert (shown.landmark is not None) is visible


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, True),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_phones_row_when_shown(member, rel, visible):
    shown = card(member, rel)
    assert (shown.mobile == member.mobile_display) is visible
    assert (shown.landline == "27 22 44 55 66") is visible
    if not visible:
        assert shown.mobile is None and shown.landline is None


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, False),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
        (Relation.SELF, True),
    ],
)
def test_phones_row_when_hidden(member, rel, visible):
    member.hide_mobile = member.hide_landline = True
    shown = card(member, rel)
    assert (shown.mobile is not None) is visible
    assert (shown.landline is not None) is visible


def test_hiding_one_phone_keeps_the_other(member):
    member.hide_mobile = True
    shown = card(member, Relation.COMMUNITY)
    assert shown.mobile is None and shown.landline == "27 22 44 55 66"


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, False),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_email_row(member, rel, visible):
    assert (card(member, rel).email == "yao.kouassi@exemple.ci") is visible
    if not visible:
        assert card(member, rel).email is None


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, False),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_housing_details_row(member, rel, visible):
    shown = card(member, rel)
    assert (shown.housing is not None) is visible
    if visible:
        assert shown.housing["notes"] == "Portail bleu"


@pytest.mark.parametrize(
    ("rel", "birthday"),
    [
        (Relation.COMMUNITY, "14 mars"),
        (Relation.TWINNED, None),
        (Relation.TOWN_HALL, None),
        (Relation.OTHER, None),
        (Relation.STAFF, "14 mars 1985"),
        (Relation.SELF, "14 mars 1985"),
    ],
)
def test_birth_date_row(member, rel, birthday):
    assert card(member, rel).birthday == birthday


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.COMMUNITY, True),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_photo_follows_the_address_rule(client, member, rel, visible):
    from tests import factories

    factories.log_in(client, member)
    client.post(reverse("accounts:upload_photo"), {"photo": factories.uploaded_image()})
    member.profile.refresh_from_db()
    assert (card(member, rel).photo_url is not None) is visible


def test_the_pages_show_what_the_card_allows(client, riviera, member, viewers):
    """The directory and the member card, as Awa (community) and Mariam (staff)."""
    directory = reverse("communities:directory", args=[riviera.pk])
    member_card = reverse("communities:member", args=[riviera.pk, member.pk])
    factories.log_in(client, viewers[Relation.COMMUNITY])
    for url in (directory, member_card):
        page = client.get(url).content.decode()
        assert "Yao Kouassi" in page and member.mobile_display in page and "27 22 44 55 66" in page
        assert (
            "yao.kouassi@exemple.ci" not in page
            and "Portail bleu" not in page
            and "1985" not in page
        )
    assert "14 mars" in client.get(member_card).content.decode()
    factories.log_in(client, viewers[Relation.STAFF])
    page = client.get(member_card).content.decode()
    assert "yao.kouassi@exemple.ci" in page and "Portail bleu" in page and "14 mars 1985" in page
    member.hide_mobile = True
    member.save()
    factories.log_in(client, viewers[Relation.COMMUNITY])
    assert member.mobile_display not in client.get(directory).content.decode()
