import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from monquartier.communities import proposals
from monquartier.communities.models import Membership
from monquartier.invitations import services
from monquartier.invitations.models import Invitation, InvitationChannel, InvitedSignup
from monquartier.invitations.session import CODE_KEY
from tests import factories

INVITE = reverse("invitations:invite")
SENT = reverse("invitations:sent")

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


def logged_in(user) -> Client:
    client = Client()
    factories.log_in(client, user)
    return client


def test_the_invite_page_offers_every_way_for_a_member(yao, riviera, django_assert_max_num_queries):
    client = logged_in(yao)
    with django_assert_max_num_queries(12):
        response = client.get(INVITE)
    page = page_of(response)
    link = Invitation.objects.get(inviter=yao, channel=InvitationChannel.LINK)
    assert f"/invitation/{link.code}/" in page
    assert "https://wa.me/?text=" in page and "facebook.com/sharer/sharer.php?u=" in page
    assert reverse("invitations:printed", args=["affichette"]) in page
    assert reverse("invitations:printed", args=["carte-de-porte"]) in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_invite_button_is_on_the_home_and_the_community_page(yao, riviera):
    client = logged_in(yao)
    assert INVITE in page_of(client.get(reverse("home")))
    assert INVITE in page_of(client.get(reverse("communities:info", args=[riviera.pk])))


def test_someone_with_no_community_is_sent_to_join_one(issa, salif):
    for user in (issa, salif):
        response = logged_in(user).get(INVITE)
        assert response.status_code == 302 and response.url == reverse("communities:mine")
    assert not Invitation.objects.exists()


def test_an_sms_invitation_from_the_page(yao, riviera, sms_outbox):
    client = logged_in(yao)
    response = client.post(reverse("invitations:sms"), {"sms-address": "07 07 55 66 77"})
    assert response.status_code == 302 and response.url == INVITE
    assert "invitation part par SMS" in page_of(client.get(INVITE))
    assert Invitation.objects.get(channel=InvitationChannel.SMS).address == "+2250707556677"
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("address", ["0707", "x" * 200, ""])
def test_a_bad_number_is_explained_next_to_the_field_and_changes_nothing(
    yao, riviera, sms_outbox, address
):
    response = logged_in(yao).post(reverse("invitations:sms"), {"sms-address": address})
    assert response.status_code == 400
    assert 'class="errorlist' in page_of(response)
    assert not Invitation.objects.filter(channel=InvitationChannel.SMS).exists()
    assert not sms_outbox


def test_an_email_invitation_with_a_personal_line(yao, riviera):
    response = logged_in(yao).post(
        reverse("invitations:email"),
        {"email-address": "adjoua@exemple.ci", "email-personal_note": "On compte sur toi !"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(channel=InvitationChannel.EMAIL)
    assert invitation.personal_note == "On compte sur toi !"


def test_an_email_to_a_member_is_refused_with_a_message(yao, riviera, awa):
    response = logged_in(yao).post(reverse("invitations:email"), {"email-address": awa.email})
    assert response.status_code == 400 and "membre de MonQuartier" in page_of(response)
    assert not Invitation.objects.filter(channel=InvitationChannel.EMAIL).exists()


def test_the_invitation_page_is_public_and_about_no_one(client, yao, riviera):
    invitation = services.shared_invitation(yao, InvitationChannel.LINK)
    response = client.get(reverse("invitations:open", args=[invitation.code.lower()]))
    page = page_of(response)
    assert response.status_code == 200
    assert "Riviera 2" in page and reverse("account_signup") in page
    assert "https://wa.me/?text=" in page and "facebook.com/sharer/sharer.php?u=" in page
    for personal in ("Yao", "Kouassi", "Awa", "Koné", str(yao.mobile), yao.email):
        assert personal not in page
    assert client.session[CODE_KEY] == invitation.code
    assert proposals.proposed_id(client.session) == riviera.pk
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


@pytest.mark.parametrize("code", ["AAAAAAAA", "nope", "x" * 500, "ABCD-123"])
def test_an_unknown_code_is_not_found(client, yao, riviera, code):
    services.shared_invitation(yao, InvitationChannel.LINK)
    assert client.get(reverse("invitations:open", args=[code])).status_code == 404
    assert CODE_KEY not in client.session


def sign_up(client, sms_outbox):
    """Sign up and type the SMS code: the account is then logged in."""
    client.post(reverse("account_signup"), signup_data())
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    client.post(reverse("account_verify_phone"), {"code": code})


def signup_data(**overrides):
    return {
        "first_name": "Adjoua",
        "last_name": "Konan",
        "email": "adjoua.konan@exemple.ci",
        "phone": "07 07 12 34 56",
        "password1": "Maquis-Sous-Les-Manguiers",
        "password2": "Maquis-Sous-Les-Manguiers",
        "accept_charter": "on",
        **overrides,
    }


def test_a_neighbour_who_signs_up_after_the_link_is_recorded_and_offered_the_community(
    client, yao, riviera, sms_outbox
):
    invitation = services.invite_by_email(yao, "adjoua.konan@exemple.ci")
    client.get(reverse("invitations:open", args=[invitation.code]))
    sign_up(client, sms_outbox)
    signup = InvitedSignup.objects.get()
    assert signup.invitation == invitation and signup.user.first_name == "Adjoua"
    # Home pinned inside Riviera 2: the join page offers it, and says who invited.
    factories.make_home(
        signup.user, latitude=riviera.centre_latitude, longitude=riviera.centre_longitude
    )
    page = page_of(client.get(reverse("communities:mine")))
    assert "Un voisin vous a invité dans cette communauté." in page
    assert f'name="community" value="{riviera.pk}"' in page


def test_a_home_outside_the_invited_community_is_told_so(client, yao, riviera, sms_outbox):
    invitation = services.shared_invitation(yao, InvitationChannel.LINK)
    client.get(reverse("invitations:open", args=[invitation.code]))
    sign_up(client, sms_outbox)
    user = InvitedSignup.objects.get().user
    factories.make_home(user, commune_slug="yopougon", latitude=5.3265, longitude=-4.1060)
    page = page_of(client.get(reverse("communities:mine")))
    assert "Vous avez été invité dans la communauté « Riviera 2 », mais votre domicile" in page


def test_a_signup_without_an_invitation_records_nothing(client, riviera):
    client.post(reverse("account_signup"), signup_data())
    assert not InvitedSignup.objects.exists()


def invited(invitation, first_name: str, **fields):
    user = factories.make_user(first_name, "Invité", **fields)
    InvitedSignup.objects.create(invitation=invitation, user=user)
    return user


def test_the_inviter_sees_who_joined_by_the_privacy_rules(
    yao, awa, riviera, koffi, django_assert_max_num_queries
):
    by_sms = services.invite_by_sms(yao, "+2250707556677")
    link = services.shared_invitation(yao, InvitationChannel.LINK)
    joined = invited(by_sms, "Adjoua", pseudonym="Adjoua de la Riviera")
    factories.add_member(riviera, joined)
    waiting = invited(link, "Brice", pseudonym="Brice B.")
    factories.add_pending(riviera, waiting)
    elsewhere = invited(link, "Chantal", pseudonym="Chantal la voisine")
    factories.add_member(
        factories.make_community(
            factories.make_user("Réf", "Loin"), name="Angré", centre=(5.40, -3.99)
        ),
        elsewhere,
    )
    invited(link, "Didier", pseudonym="Didier D.")
    client = logged_in(yao)
    with django_assert_max_num_queries(7):
        page = page_of(client.get(SENT))
    # A fellow member: their real name. Anyone else: "a neighbour", never a pseudonym.
    assert "Adjoua Invité — a rejoint la communauté" in page
    assert "07 07 55 66 77" in page  # the number he typed, his to see
    for name in ("Brice", "Chantal", "Didier"):
        assert name not in page
    assert page.count("Un voisin —") == 3
    assert "a demandé à la rejoindre" in page and "est inscrit" in page
    # Awa, a référent of Riviera 2, sees the applicant she must check (but her list is
    # her own invitations: move Yao's to her to look).
    Invitation.objects.filter(pk=link.pk).update(inviter=awa)
    page = page_of(logged_in(awa).get(SENT))
    assert "Brice Invité — a demandé à la rejoindre" in page and "Didier" not in page


def test_one_sees_only_ones_own_invitations(yao, awa, riviera):
    services.invite_by_sms(yao, "+2250707556677")
    page = page_of(logged_in(awa).get(SENT))
    assert "avez encore invité personne." in page


def test_member_flyers_are_pdfs_and_unknown_kinds_are_not_found(yao, riviera, issa):
    client = logged_in(yao)
    for kind in ("affichette", "carte-de-porte"):
        response = client.get(reverse("invitations:printed", args=[kind]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert client.get(reverse("invitations:printed", args=["affiche"])).status_code == 404
    assert (
        logged_in(issa).get(reverse("invitations:printed", args=["affichette"])).status_code == 302
    )


REFERENT_SPACE = "invitations:referent_space"


def test_the_referent_space_lists_the_tools_and_the_kit(awa, riviera):
    page = page_of(logged_in(awa).get(reverse(REFERENT_SPACE, args=[riviera.pk])))
    assert "Rôle et outils du référent" in page
    for name in (
        "requests",
        "referents",
        "settings",
        "boundary",
        "twinnings",
        "register_neighbour",
    ):
        assert reverse(f"communities:{name}", args=[riviera.pk]) in page
    assert INVITE in page
    for kind in ("affiche", "affichette", "presentation"):
        assert reverse("invitations:kit", args=[riviera.pk, kind]) in page
    assert reverse("support:contact") in page


def test_the_referent_space_is_found_only_by_the_communitys_referents(
    riviera, yao, koffi, salif, issa, mariam
):
    url = reverse(REFERENT_SPACE, args=[riviera.pk])
    kit = reverse("invitations:kit", args=[riviera.pk, "affiche"])
    for user in (yao, koffi, salif, issa, mariam):
        client = logged_in(user)
        assert client.get(url).status_code == 404, user
        assert client.get(kit).status_code == 404, user
    assert Client().get(url).status_code == 302  # to the log-in


def test_the_kit_is_made_for_the_referents_community(awa, riviera):
    client = logged_in(awa)
    for kind in ("affiche", "affichette", "presentation"):
        response = client.get(reverse("invitations:kit", args=[riviera.pk, kind]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("invitations:kit", args=[riviera.pk, "autre"])).status_code == 404
    assert Invitation.objects.filter(inviter=awa, channel=InvitationChannel.PRINT).count() == 1
    assert Membership.objects.referents().filter(user=awa).exists()


def test_the_invitation_pages_fit_in_one_round_trip_gzipped(
    awa, riviera, django_assert_max_num_queries
):
    for index in range(25):  # more than a page of invitations, each with a sign-up
        invitation = Invitation.objects.create(
            inviter=awa, community=riviera, channel="email", address=f"n{index}@exemple.ci"
        )
        invited(invitation, f"Voisin{index}")
    link = services.shared_invitation(awa, InvitationChannel.LINK)
    client = logged_in(awa)
    responses = [client.get(INVITE)]
    with django_assert_max_num_queries(7):  # as with a handful: the same queries
        responses.append(client.get(SENT))
    responses.append(client.get(reverse(REFERENT_SPACE, args=[riviera.pk])))
    responses.append(Client().get(reverse("invitations:open", args=[link.code])))
    for response in responses:
        assert response.status_code == 200
        assert len(gzip.compress(response.content, compresslevel=6)) < 14 * 1024
    # A full page: the share link (newest, nobody yet) and 19 e-mails with their sign-up.
    assert page_of(responses[1]).count("Un voisin —") == 19
    assert 'rel="next"' in page_of(responses[1])
