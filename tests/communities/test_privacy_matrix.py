"""The privacy table of PRODUCT.md, row by row and column by column.

Columns: M's community, twinned members, town hall, public/others, staff (and M), and
the référents of a community M asks to join. Rows: real name, pseudonym, postal
address, mobile/landline (hidden or not), e-mail, housing details, birth date,
description and interests. Each cell is checked on the member card that privacy.py
builds; then every page and message that shows a person is read as every role (self,
neighbour, référent, twinned member, outsider, visitor, pending member, staff), to check
that it names people as privacy.py says. Town-hall agents (Aïcha, of Cocody) are read on
the members' pages here (they open none of them) and on the console's pages in
tests/townhalls/.
"""

import datetime
import json

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
def viewers(awa, aya, issa, mariam, member, twinned, aicha):
    return {
        Relation.COMMUNITY: awa,
        Relation.TWINNED: aya,
        Relation.TOWN_HALL: aicha,
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


@pytest.mark.parametrize(
    ("rel", "visible"),
    [
        (Relation.SELF, True),
        (Relation.COMMUNITY, True),
        (Relation.APPLICANT, False),
        (Relation.TWINNED, False),
        (Relation.TOWN_HALL, False),
        (Relation.OTHER, False),
        (Relation.STAFF, True),
    ],
)
def test_description_and_interests_row(member, rel, visible):
    Profile.objects.filter(user=member).update(
        description="Retraité, je connais tout le monde.", interests="jardinage, football"
    )
    member.refresh_from_db()
    shown = card(member, rel)
    assert (shown.description == "Retraité, je connais tout le monde.") is visible
    assert (shown.interests == "jardinage, football") is visible
    if not visible:
        assert shown.description is None and shown.interests is None


def test_the_referents_of_the_community_see_a_pending_applicant(member, awa, yao, salif):
    """Awa (référente of Riviera 2) checks Salif's request; Yao, a plain member, does not."""
    assert privacy.relation(awa, salif) is Relation.APPLICANT
    assert privacy.relation(yao, salif) is Relation.OTHER
    salif.hide_mobile = True
    salif.landline = "+2252722445566"
    shown = card(salif, Relation.APPLICANT)
    assert shown.name == "Salif Touré"
    assert shown.address and shown.landmark == "près de la pharmacie"
    assert shown.pin == (salif.home.latitude, salif.home.longitude)
    # The mobile is hidden from the directory, not from the référents who must call.
    assert shown.mobile == salif.mobile_display
    assert shown.email is None and shown.landline is None
    assert shown.birthday is None and shown.housing is None and shown.photo_url is None


def test_a_refused_or_cancelled_applicant_is_an_outsider_again(awa, salif, riviera):
    from monquartier.communities import services
    from monquartier.communities.models import Membership

    services.refuse_join_request(awa, Membership.objects.get(user=salif), "Hors du périmètre")
    assert privacy.relation(awa, salif) is Relation.OTHER
    assert privacy.names_seen_by(awa, [salif]) == {salif.pk: "Salif T."}


REAL = "real"
PUBLIC = "public"
NOTHING = "nothing"  # no access: the page names nobody

NAMES = {
    "awa": ("Awa Koné", "Awa K."),
    "yao": ("Yao Kouassi", "Yao de la Riviera"),
    "koffi": ("Koffi Brou", "Koffi B."),
    "aya": ("Aya Kacou", "Aya la couturière"),
    "salif": ("Salif Touré", "Salif T."),
}


@pytest.fixture
def world(riviera, riviera3, awa, yao, koffi, aya, twinned, salif, issa, mariam, aicha):
    """Riviera 2 (Awa référente, Yao) twinned with Riviera 3 (Koffi référent, Aya): Awa
    asked, Koffi accepted. Salif waits to join Riviera 2. Yao posts in the gazette, Koffi
    sends an alert (Riviera 2 receives it), Awa writes to Yao and Aya."""
    from monquartier.alerts.models import Alert, AlertAcknowledgement
    from monquartier.messaging import services as messaging
    from tests import factories

    riviera.public_page = True
    riviera.save()
    post = factories.make_post(yao)
    alert = Alert.objects.create(
        community=riviera3, sender=koffi, category="other", text="Coupure d'eau rue 12"
    )
    message = messaging.start_conversation(awa, [yao.pk, aya.pk], "Réunion samedi à 10 h.")
    # Yao (twinned) saw Koffi's alert: its sender and staff see who did.
    AlertAcknowledgement.objects.create(alert=alert, user=yao, channel="web")
    order = _shop_order(yao)
    people = {
        "awa": awa,
        "yao": yao,
        "koffi": koffi,
        "aya": aya,
        "salif": salif,
        "issa": issa,
        "mariam": mariam,
        "aicha": aicha,
        "visitor": None,
    }
    urls = {
        "history": reverse("communities:history", args=[riviera.pk]),
        "history3": reverse("communities:history", args=[riviera3.pk]),
        "requests": reverse("communities:requests", args=[riviera.pk]),
        "referents": reverse("communities:referents", args=[riviera.pk]),
        "info": reverse("communities:info", args=[riviera.pk]),
        "directory": reverse("communities:directory", args=[riviera.pk]),
        "member": reverse("communities:member", args=[riviera.pk, yao.pk]),
        "twinnings": reverse("communities:twinnings", args=[riviera.pk]),
        "alerts": reverse("alerts:list"),
        "alert": reverse("alerts:detail", args=[alert.pk]),
        "gazette": reverse("gazette:list"),
        "post": reverse("gazette:detail", args=[post.pk]),
        "home": reverse("home"),
        "messages": reverse("messaging:list"),
        "conversation": reverse("messaging:conversation", args=[message.conversation_id]),
        "public": reverse("public:community", args=["cocody", riviera.pk]),
        "console": reverse("townhalls:console"),
        "console_community": reverse("townhalls:community", args=[riviera.pk]),
        "console_alerts": reverse("townhalls:alerts"),
        "console_alert": reverse("townhalls:alert", args=[alert.pk]),
        "dashboard": reverse("townhalls:dashboard"),
        # The API for apps (monquartier/api): asked with a device token, not a session.
        "api_alerts": "/api/v1/alerts",
        "api_alert": f"/api/v1/alerts/{alert.pk}",
        "api_me": "/api/v1/me",
        # The viewer's own community, whichever it is.
        "api_community": "/api/v1/community",
        "api_history": "/api/v1/community/history",
        "api_directory": "/api/v1/community/directory",
        "api_requests": "/api/v1/community/requests",
        "api_gazette": "/api/v1/gazette",
        "api_post": f"/api/v1/gazette/{post.pk}",
        "api_conversations": "/api/v1/conversations",
        "api_conversation": f"/api/v1/conversations/{message.conversation_id}",
        "api_recipients": "/api/v1/recipients",
        # The town hall's endpoints, for its agents (api/v1/townhall.py).
        "api_th_alerts": "/api/v1/townhall/alerts",
        "api_th_alert": f"/api/v1/townhall/alerts/{alert.pk}",
        "api_th_communities": "/api/v1/townhall/communities",
        "api_th_announcements": "/api/v1/townhall/announcements",
        "api_th_dashboard": "/api/v1/townhall/dashboard",
        "api_alert_progress": f"/api/v1/alerts/{alert.pk}/progress",
        "api_member": f"/api/v1/community/members/{yao.pk}",
        "api_referents": "/api/v1/community/referents",
        "api_validation_mode": "/api/v1/community/validation-mode",
        "api_twinnings": "/api/v1/community/twinnings",
        "api_community_settings": "/api/v1/community/settings",
        "api_boundary": "/api/v1/community/boundary",
        "api_me_closure": "/api/v1/me/closure",
        "api_devices": "/api/v1/auth/tokens",
        "api_me_phones": "/api/v1/me/phones",
        "api_me_notifications": "/api/v1/me/notifications",
        "api_me_profile": "/api/v1/me/profile",
        "api_me_home": "/api/v1/me/home",
        # Public: no token needed, the same answer for everyone.
        "api_public": f"/api/v1/public/communities/{riviera.pk}",
        "api_public_commune": "/api/v1/public/communities?commune=cocody",
        "api_public_near": f"/api/v1/public/communities?latitude={riviera.centre_latitude}"
        f"&longitude={riviera.centre_longitude}",
        "api_help": "/api/v1/help",
        "api_help_article": "/api/v1/help/alertes/lancer-une-alerte",
        "api_help_search": "/api/v1/help/search?q=alerte",
        # The shop (issue 17): Yao's paid order, delivered in Cocody.
        "shop_catalogue": reverse("shop:catalogue"),
        "shop_product": reverse("shop:product", args=[order.lines.first().product_id]),
        "shop_cart": reverse("shop:cart"),
        "shop_checkout": reverse("shop:checkout"),
        "shop_order": reverse("shop:order", args=[order.pk]),
        "shop_history": reverse("shop:history"),
        "shop_invoice": reverse("shop:invoice", args=[order.pk]),
        "shop_staff_queue": reverse("shop:staff_queue"),
        "shop_staff_order": reverse("shop:staff_order", args=[order.pk]),
        "shop_packing_slip": reverse("shop:staff_packing_slip", args=[order.pk]),
        "shop_staff_invoice": reverse("shop:staff_invoice", args=[order.pk]),
    }
    return people, urls


SHOP_PHONE = "07 07 12 34 56"
SHOP_LANDMARK = "Portail vert après le maquis"


def _shop_order(customer):
    """A paid order of `customer`'s (two personalised signs), its invoice issued; and
    a sticker in the cart of everyone else who may shop, for the cart and checkout."""
    from django.db import transaction

    from monquartier.places.models import Commune
    from monquartier.shop import services
    from monquartier.shop.models import DeliveryZone, Order, OrderState, Product

    cocody = Commune.objects.get(slug="cocody")
    zone = DeliveryZone.objects.create(name="Abidjan nord", fee=1500)
    zone.communes.add(cocody)
    sign = Product.objects.create(
        kind="sign_large",
        name="Grand panneau",
        price=12500,
        stock=10,
        personalisation="community_name",
    )
    services.add_to_cart(customer, sign, 2)
    order = services.place_order(
        customer,
        delivery_method="delivery",
        commune=cocody,
        quartier="Riviera 2",
        landmark=SHOP_LANDMARK,
        phone=SHOP_PHONE,
    )
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(state=OrderState.PAID)
        services._issue_invoice(order)
    services.add_to_cart(customer, sign, 1)
    return order


# Everyone but the person shown and staff: a neighbour and a référent of theirs, a twinned
# member, an outsider, a pending member, a town-hall agent, a visitor.
_OUTSIDERS = dict.fromkeys(("awa", "koffi", "aya", "issa", "salif", "aicha", "visitor"), NOTHING)

# (page, person shown, {viewer: what the viewer sees of that person's name})
PAGES = [
    # The other community's référent who accepted the twinning (the reported bug).
    (
        "history",
        "koffi",
        {
            "awa": PUBLIC,
            "yao": PUBLIC,
            "mariam": REAL,
            "aya": NOTHING,
            "issa": NOTHING,
            "salif": NOTHING,
            "visitor": NOTHING,
            "aicha": NOTHING,
        },
    ),
    ("history", "salif", {"awa": REAL, "yao": PUBLIC, "mariam": REAL, "aicha": NOTHING}),
    ("history3", "awa", {"koffi": PUBLIC, "aya": PUBLIC, "mariam": REAL, "yao": NOTHING}),
    ("history3", "koffi", {"koffi": REAL, "aya": REAL}),
    (
        "requests",
        "salif",
        {"awa": REAL, "yao": NOTHING, "salif": NOTHING, "koffi": NOTHING, "aicha": NOTHING},
    ),
    ("referents", "yao", {"awa": REAL, "yao": NOTHING, "aya": NOTHING, "aicha": NOTHING}),
    (
        "info",
        "awa",
        {"yao": REAL, "mariam": REAL, "aya": NOTHING, "salif": NOTHING, "aicha": NOTHING},
    ),
    (
        "directory",
        "yao",
        {"awa": REAL, "mariam": REAL, "aya": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    (
        "member",
        "yao",
        {"yao": REAL, "awa": REAL, "mariam": REAL, "koffi": NOTHING, "aicha": NOTHING},
    ),
    ("twinnings", "koffi", {"awa": NOTHING, "yao": NOTHING, "aicha": NOTHING}),
    # Alerts show the sender's real name to everyone who receives them.
    (
        "alerts",
        "koffi",
        {"awa": REAL, "aya": REAL, "salif": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    (
        "alert",
        "koffi",
        {"yao": REAL, "aya": REAL, "mariam": REAL, "issa": NOTHING, "aicha": NOTHING},
    ),
    ("gazette", "yao", {"awa": REAL, "aya": NOTHING, "salif": NOTHING, "aicha": NOTHING}),
    (
        "post",
        "yao",
        {"awa": REAL, "mariam": REAL, "aya": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    ("home", "yao", {"awa": REAL, "aya": NOTHING, "salif": NOTHING, "aicha": NOTHING}),
    ("messages", "awa", {"yao": REAL, "aya": PUBLIC, "koffi": NOTHING, "aicha": NOTHING}),
    ("conversation", "awa", {"yao": REAL, "aya": PUBLIC, "issa": NOTHING, "aicha": NOTHING}),
    ("conversation", "aya", {"awa": PUBLIC, "yao": PUBLIC, "aicha": NOTHING}),
    ("conversation", "yao", {"aya": PUBLIC, "awa": REAL, "aicha": NOTHING}),
    # The town hall's console: référents by their public name, an alert's sender by their
    # real name, nothing for anyone else (the console does not exist for them).
    ("console", "awa", {"aicha": PUBLIC, "awa": NOTHING, "mariam": NOTHING}),
    ("console_community", "awa", {"aicha": PUBLIC, "yao": NOTHING, "koffi": NOTHING}),
    ("console_community", "yao", {"aicha": NOTHING}),
    ("console_alerts", "koffi", {"aicha": REAL, "koffi": NOTHING, "visitor": NOTHING}),
    ("console_alert", "koffi", {"aicha": REAL, "awa": NOTHING, "issa": NOTHING}),
    ("dashboard", "koffi", {"aicha": NOTHING, "mariam": NOTHING}),
    # The API names people as the pages do.
    (
        "api_alerts",
        "koffi",
        {"awa": REAL, "aya": REAL, "salif": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    (
        "api_alert",
        "koffi",
        {"yao": REAL, "aya": REAL, "mariam": REAL, "issa": NOTHING, "aicha": NOTHING},
    ),
    ("api_me", "yao", {"awa": NOTHING, "aya": NOTHING, "visitor": NOTHING}),
    (
        "api_history",
        "koffi",
        {"awa": PUBLIC, "yao": PUBLIC, "salif": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    ("api_history", "salif", {"awa": REAL, "yao": PUBLIC, "mariam": NOTHING, "visitor": NOTHING}),
    ("api_history", "awa", {"koffi": PUBLIC, "aya": PUBLIC}),
    (
        "api_requests",
        "salif",
        {"awa": REAL, "yao": NOTHING, "salif": NOTHING, "koffi": NOTHING, "aicha": NOTHING},
    ),
    ("api_community", "awa", {"yao": REAL, "aya": NOTHING, "salif": NOTHING, "aicha": NOTHING}),
    (
        "api_directory",
        "yao",
        {"awa": REAL, "aya": NOTHING, "issa": NOTHING, "salif": NOTHING, "aicha": NOTHING},
    ),
    ("api_gazette", "yao", {"awa": REAL, "aya": NOTHING, "salif": NOTHING, "aicha": NOTHING}),
    (
        "api_post",
        "yao",
        {"awa": REAL, "mariam": REAL, "aya": NOTHING, "issa": NOTHING, "aicha": NOTHING},
    ),
    ("api_conversations", "awa", {"yao": REAL, "aya": PUBLIC, "koffi": NOTHING, "aicha": NOTHING}),
    ("api_conversation", "awa", {"yao": REAL, "aya": PUBLIC, "issa": NOTHING, "mariam": NOTHING}),
    ("api_conversation", "aya", {"awa": PUBLIC, "yao": PUBLIC, "aicha": NOTHING}),
    ("api_recipients", "aya", {"awa": PUBLIC, "yao": PUBLIC, "salif": NOTHING, "issa": NOTHING}),
    ("api_recipients", "awa", {"yao": REAL, "koffi": PUBLIC, "aicha": NOTHING}),
    # The town hall's API, as its console: an alert's sender by their real name, référents
    # by their public name, nothing for anyone else (a 403 that names nobody).
    (
        "api_th_alerts",
        "koffi",
        {"aicha": REAL, "koffi": NOTHING, "awa": NOTHING, "mariam": NOTHING, "visitor": NOTHING},
    ),
    ("api_th_alert", "koffi", {"aicha": REAL, "awa": NOTHING, "issa": NOTHING}),
    ("api_th_communities", "awa", {"aicha": PUBLIC, "awa": NOTHING, "mariam": NOTHING}),
    ("api_th_communities", "koffi", {"aicha": PUBLIC, "yao": NOTHING}),
    ("api_th_communities", "yao", {"aicha": NOTHING}),
    ("api_th_announcements", "awa", {"aicha": NOTHING, "yao": NOTHING}),
    ("api_th_dashboard", "koffi", {"aicha": NOTHING, "mariam": NOTHING}),
    # Who saw an alert: named to its sender, its community's référents and staff only.
    (
        "api_alert_progress",
        "yao",
        {"koffi": PUBLIC, "mariam": REAL, "aya": NOTHING, "awa": NOTHING, "yao": NOTHING},
    ),
    ("api_alert", "yao", {"koffi": PUBLIC, "mariam": REAL, "aya": NOTHING, "awa": NOTHING}),
    (
        "api_member",
        "yao",
        {"yao": REAL, "awa": REAL, "koffi": NOTHING, "aya": NOTHING, "mariam": NOTHING},
    ),
    (
        "api_referents",
        "awa",
        {"awa": REAL, "yao": NOTHING, "koffi": NOTHING, "salif": NOTHING, "aicha": NOTHING},
    ),
    ("api_validation_mode", "awa", {"awa": NOTHING, "yao": NOTHING, "mariam": NOTHING}),
    ("api_twinnings", "koffi", {"awa": NOTHING, "koffi": NOTHING, "aya": NOTHING}),
    # The Réglages page names nobody, to its référents or to anyone refused it.
    (
        "api_community_settings",
        "awa",
        {"awa": NOTHING, "yao": NOTHING, "koffi": NOTHING, "mariam": NOTHING, "aicha": NOTHING},
    ),
    ("api_community_settings", "yao", {"awa": NOTHING, "salif": NOTHING, "visitor": NOTHING}),
    ("api_boundary", "yao", {"awa": NOTHING, "yao": NOTHING, "koffi": NOTHING, "aicha": NOTHING}),
    # What closing would end: a community's name at most, never a person's.
    ("api_me_closure", "awa", {"yao": NOTHING, "awa": NOTHING, "visitor": NOTHING}),
    ("api_devices", "yao", {"yao": NOTHING, "awa": NOTHING, "visitor": NOTHING}),
    # The public page is the same for everyone (and cached as such).
    ("public", "awa", {"visitor": PUBLIC, "issa": PUBLIC, "yao": PUBLIC, "aya": PUBLIC}),
    ("api_me_phones", "yao", {"awa": NOTHING, "aya": NOTHING, "visitor": NOTHING}),
    ("api_me_notifications", "yao", {"awa": NOTHING, "visitor": NOTHING}),
    ("api_me_profile", "yao", {"awa": NOTHING, "aya": NOTHING, "visitor": NOTHING}),
    ("api_public", "awa", {"visitor": PUBLIC, "issa": PUBLIC, "yao": PUBLIC, "aya": PUBLIC}),
    ("api_public", "yao", {"visitor": NOTHING, "awa": NOTHING, "aicha": NOTHING}),
    ("api_public_commune", "awa", {"visitor": NOTHING, "yao": NOTHING, "aicha": NOTHING}),
    ("api_public_near", "awa", {"visitor": NOTHING, "issa": NOTHING}),
    ("api_help", "awa", {"visitor": NOTHING, "yao": NOTHING}),
    ("api_help_article", "awa", {"visitor": NOTHING, "yao": NOTHING}),
    ("api_help_search", "awa", {"visitor": NOTHING, "yao": NOTHING}),
    ("api_me_home", "awa", {"yao": NOTHING, "aya": NOTHING, "visitor": NOTHING}),
    # The shop: the customer (Yao) and staff only; the staff's pages by the real name
    # (privacy.py, STAFF), the customer's papers by their own; nobody else (a 404 or a
    # login page, which name nobody).
    *[
        (page, "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": NOTHING})
        for page in ("shop_catalogue", "shop_product", "shop_cart", "shop_checkout")
    ],
    ("shop_order", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": NOTHING}),
    ("shop_history", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": NOTHING}),
    ("shop_invoice", "yao", {**_OUTSIDERS, "yao": REAL, "mariam": NOTHING}),
    ("shop_staff_queue", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": REAL}),
    ("shop_staff_order", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": REAL}),
    ("shop_packing_slip", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": REAL}),
    ("shop_staff_invoice", "yao", {**_OUTSIDERS, "yao": NOTHING, "mariam": REAL}),
]


@pytest.mark.parametrize(
    ("page", "person", "viewer", "expected"),
    [
        (page, person, viewer, expected)
        for page, person, views in PAGES
        for viewer, expected in views.items()
    ],
)
def test_every_page_names_people_as_the_privacy_module_says(
    client, world, page, person, viewer, expected
):
    import html

    people, urls = world
    headers = {}
    if people[viewer] is not None and urls[page].startswith("/api/"):
        from monquartier.accounts.services import issue_device_token

        headers["Authorization"] = f"Bearer {issue_device_token(people[viewer], 'Test')[1]}"
    elif people[viewer] is not None:
        factories.log_in(client, people[viewer])
    response = client.get(urls[page], headers=headers)
    if urls[page].startswith("/api/") and response["Content-Type"].startswith("application/json"):
        # JSON escapes "é": compare the decoded text.
        shown = json.dumps(response.json(), ensure_ascii=False)
    elif response["Content-Type"] == "application/pdf":
        shown = pdf_text(response.content)
    else:
        shown = html.unescape(response.content.decode())
    real, public = NAMES[person]
    if expected == REAL:
        assert real in shown
    elif expected == PUBLIC:
        assert public in shown and real not in shown
    else:
        assert real not in shown and public not in shown


def pdf_text(content: bytes) -> str:
    """The text of a ReportLab PDF: its streams, ASCII85 then zlib encoded, unescaped."""
    import base64
    import re
    import zlib

    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL):
        data = stream.strip()
        try:
            if data.endswith(b"~>"):
                data = base64.a85decode(data[:-2], adobe=False)
            parts.append(zlib.decompress(data).decode("latin-1"))
        except (ValueError, zlib.error):
            parts.append(stream.decode("latin-1"))
    # PDF strings escape what is not ASCII (\350 for è in WinAnsi) and parentheses.
    text = "\n".join(parts)
    text = re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), text)
    return re.sub(r"\\([()\\])", r"\1", text)


# The shop's pages with the customer's delivery details (the phone the delivery person
# calls, the landmark): the customer and staff, nobody else, who get a 404.
SHOP_DETAILS = {
    "shop_order": {"yao"},
    "shop_invoice": {"yao"},
    "shop_staff_order": {"mariam"},
    "shop_packing_slip": {"mariam"},
    "shop_staff_invoice": {"mariam"},
}


@pytest.mark.parametrize(
    ("page", "viewer"),
    [
        (page, viewer)
        for page in SHOP_DETAILS
        for viewer in ("yao", "mariam", "awa", "koffi", "aya", "issa", "salif", "aicha")
    ],
)
def test_the_shops_pages_show_the_customers_phone_and_address_to_them_and_staff(
    client, world, page, viewer
):
    people, urls = world
    factories.log_in(client, people[viewer])
    response = client.get(urls[page])
    if viewer not in SHOP_DETAILS[page]:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    if response["Content-Type"] == "application/pdf":
        shown = pdf_text(response.content)
    else:
        import html

        shown = html.unescape(response.content.decode())
    assert SHOP_PHONE in shown and SHOP_LANDMARK in shown


@pytest.mark.parametrize("viewer", ["awa", "koffi", "aya", "issa", "salif", "aicha"])
def test_nobody_else_finds_the_customers_order_in_their_own_shop_pages(client, world, viewer):
    people, urls = world
    factories.log_in(client, people[viewer])
    for page in ("shop_history", "shop_staff_queue", "shop_cart", "shop_checkout"):
        shown = client.get(urls[page], follow=True).content.decode()
        assert SHOP_PHONE not in shown and SHOP_LANDMARK not in shown
        assert "F2026-" not in shown and "Riviera 2, " not in shown


def test_the_shops_messages_go_to_the_customer_alone_and_name_nobody_else(world, run_tasks):
    """Its e-mails and SMS: to the customer's own address and mobile, greeting them by
    their first name, naming no one else (the order's number and total, our words)."""
    from django.core import mail

    from monquartier.outbox.sms import dev as sms_dev
    from monquartier.shop import services
    from monquartier.shop.models import Order

    people, _urls = world
    mariam, yao = people["mariam"], people["yao"]
    mail.outbox.clear()
    sms_dev.outbox.clear()
    order = Order.objects.get(user=yao)
    services.advance_order(mariam, order, from_state="paid")
    services.advance_order(mariam, order, from_state="preparing")
    run_tasks()
    assert {message.to[0] for message in mail.outbox} == {"yao.kouassi@exemple.ci"}
    assert [sms.to for sms in sms_dev.outbox] == [str(yao.mobile)]
    others = [
        name for person in ("awa", "mariam", "koffi", "aya") for name in NAMES.get(person, ())
    ]
    for message in mail.outbox:
        assert "Yao" in message.body and "Kouassi" not in message.body
        assert not any(name in message.body + message.subject for name in others)
        assert "Bamba" not in message.body
    for sms in sms_dev.outbox:
        assert "Yao" not in sms.text and "Kouassi" not in sms.text


def test_join_applicants_are_shown_to_the_referents_with_what_they_need(client, world):
    people, urls = world
    salif = people["salif"]
    factories.log_in(client, people["awa"])
    page = client.get(urls["requests"]).content.decode()
    assert "Salif Touré" in page and salif.mobile_display in page and "Lot 12" in page
    assert f"{salif.home.latitude:.5f}" in page  # the pin, on the page and its map
    assert "salif.toure@exemple.ci" not in page


def test_the_member_card_shows_description_and_interests_to_the_community_only(client, world):
    people, urls = world
    Profile.objects.filter(user=people["yao"]).update(
        description="Retraité, ancien instituteur.", interests="pétanque"
    )
    for viewer, visible in (("awa", True), ("mariam", True)):
        factories.log_in(client, people[viewer])
        page = client.get(urls["member"]).content.decode()
        assert ("Retraité, ancien instituteur." in page and "pétanque" in page) is visible
    factories.log_in(client, people["koffi"])
    assert "pétanque" not in client.get(urls["member"]).content.decode()


def test_a_member_who_left_is_named_as_an_outsider(client, world):
    """Yao leaves: his neighbours' history and gazette now show his public name."""
    from monquartier.communities import services

    people, urls = world
    services.leave_community(people["yao"])
    factories.log_in(client, people["awa"])
    for page in ("history", "gazette", "post"):
        shown = client.get(urls[page]).content.decode()
        assert "Yao de la Riviera" in shown and "Kouassi" not in shown


@pytest.mark.usefixtures("world")
def test_notifications_store_the_name_each_recipient_may_see():
    from monquartier.notifications.models import Notification

    stored = {
        (item.recipient.first_name, item.event): item.data
        for item in Notification.objects.filter(event__in=["new_message", "join_requested"])
    }
    assert stored[("Yao", "new_message")]["sender"] == "Awa Koné"
    assert stored[("Aya", "new_message")]["sender"] == "Awa K."
    # The référents see a pending applicant's real name.
    assert stored[("Awa", "join_requested")]["applicant"] == "Salif Touré"


def test_notification_emails_name_people_as_the_recipient_may_see(world, run_tasks):
    from django.core import mail

    from monquartier.messaging import services as messaging
    from monquartier.messaging.models import Conversation

    people, _urls = world
    mail.outbox.clear()
    messaging.reply(people["yao"], Conversation.objects.get(), "Je serai là.\nÀ samedi.")
    run_tasks()
    sent = {message.to[0]: message for message in mail.outbox}
    to_aya = sent["aya.kacou@exemple.ci"]
    to_awa = sent["awa.kone@exemple.ci"]
    assert "Yao de la Riviera" in to_aya.subject and "Kouassi" not in to_aya.body
    assert "Yao Kouassi" in to_awa.subject
    for message in (to_aya, to_awa):
        assert "« Je serai là. À samedi. »" in message.body
        assert "/l/" in message.body  # the link that logs in to the conversation
        assert "Il y a du nouveau" not in message.body
