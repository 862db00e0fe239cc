import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monquartier.accounts import services as account_services
from monquartier.accounts.models import Home, User
from monquartier.communities import services
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
    ValidationMode,
)
from monquartier.moderation import exclusions
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus
from monquartier.notifications.models import Notification
from monquartier.outbox.sms import is_gsm7
from tests import factories


def kinds(community):
    return list(
        Movement.objects.filter(community=community)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def test_the_creator_becomes_the_first_referent(riviera, awa):
    membership = Membership.objects.get(user=awa)
    assert (membership.status, membership.is_referent, membership.community) == (
        "active",
        True,
        riviera,
    )
    assert kinds(riviera)[0] == MovementKind.CREATED
    assert riviera.area_m2 == pytest.approx(360_000, rel=0.01)
    assert riviera.cells.exists()


def test_the_home_must_be_inside_the_new_area(awa):
    with pytest.raises(ValidationError) as caught:
        services.create_community(
            awa,
            name="Ailleurs",
            commune=factories.commune("cocody"),
            area=factories.square(5.3700, -3.9610),
        )
    assert caught.value.code == "home_outside"
    assert not Community.objects.exists()


def test_one_community_per_account(riviera, awa, yao):
    with pytest.raises(ValidationError):
        services.request_to_join(yao, riviera)
    with pytest.raises(ValidationError):
        services.create_community(
            yao,
            name="Autre",
            commune=factories.commune("cocody"),
            area=factories.square(5.3595, -3.9605, 100),
        )
    assert Membership.objects.filter(user=yao).count() == 1


def test_a_join_request_notifies_the_referents_and_waits(riviera, awa, salif):
    membership = Membership.objects.get(user=salif)
    assert membership.status == MembershipStatus.PENDING
    notification = Notification.objects.get(recipient=awa)
    assert (notification.event, notification.data["applicant"]) == ("join_requested", "Salif Touré")
    assert MovementKind.JOIN_REQUESTED in kinds(riviera)


def test_joining_needs_the_home_inside_the_area(riviera, issa):
    with pytest.raises(ValidationError) as caught:
        services.request_to_join(issa, riviera)
    assert caught.value.code == "home_outside"


def test_any_referent_accepts(riviera, awa, yao, salif):
    services.make_referent(awa, Membership.objects.get(user=yao))
    services.accept_join_request(yao, Membership.objects.get(user=salif))
    membership = Membership.objects.get(user=salif)
    assert (membership.status, membership.decided_by) == ("active", yao)
    assert Notification.objects.filter(recipient=salif, event="join_accepted").exists()
    assert kinds(riviera)[-1] == MovementKind.ARRIVAL


def test_a_refusal_needs_a_reason_shown_to_the_applicant(client, riviera, awa, salif):
    pending = Membership.objects.get(user=salif)
    with pytest.raises(ValidationError):
        services.refuse_join_request(awa, pending, "   ")
    services.refuse_join_request(awa, pending, "Votre maison est hors du périmètre.")
    factories.log_in(client, salif)
    page = client.get(reverse("communities:mine")).content.decode()
    assert "Votre maison est hors du périmètre." in page


def test_a_request_is_decided_once(riviera, awa, salif):
    pending = Membership.objects.get(user=salif)
    services.accept_join_request(awa, pending)
    with pytest.raises(ValidationError):
        services.refuse_join_request(awa, pending, "Trop tard")


def test_a_plain_member_cannot_accept(riviera, yao, salif):
    with pytest.raises(PermissionDenied):
        services.accept_join_request(yao, Membership.objects.get(user=salif))


def test_in_staff_mode_only_staff_decide(riviera, awa, salif, mariam):
    Community.objects.filter(pk=riviera.pk).update(validation_mode=ValidationMode.STAFF)
    pending = Membership.objects.get(user=salif)
    with pytest.raises(PermissionDenied):
        services.accept_join_request(awa, pending)
    services.accept_join_request(mariam, pending)
    assert Membership.objects.get(user=salif).status == "active"


def test_cancelling_a_request(riviera, salif):
    services.cancel_join_request(salif)
    assert Membership.objects.get(user=salif).status == MembershipStatus.CANCELLED
    services.request_to_join(salif, riviera)  # may ask again


def test_referents_never_drop_to_zero(riviera, awa, yao):
    with pytest.raises(ValidationError) as caught:
        services.resign_referent(awa)
    assert caught.value.code == "last_referent"
    services.make_referent(awa, Membership.objects.get(user=yao))
    services.remove_referent(yao, Membership.objects.get(user=awa))
    with pytest.raises(ValidationError):
        services.resign_referent(yao)
    assert list(Membership.objects.referents().values_list("user", flat=True)) == [yao.pk]
    assert kinds(riviera)[-2:] == [MovementKind.REFERENT_ADDED, MovementKind.REFERENT_REMOVED]


def test_giving_up_the_role_when_another_remains(riviera, awa, yao):
    services.make_referent(awa, Membership.objects.get(user=yao))
    services.resign_referent(awa)
    assert not Membership.objects.get(user=awa).is_referent
    assert kinds(riviera)[-1] == MovementKind.REFERENT_RESIGNED


def test_a_member_cannot_appoint_referents(riviera, yao, awa):
    with pytest.raises(PermissionDenied):
        services.make_referent(yao, Membership.objects.get(user=yao))


def test_exclusion_goes_through_staff(riviera, awa, yao, mariam):
    with pytest.raises(ValidationError):
        exclusions.request_exclusion(awa, Membership.objects.get(user=yao), "court")
    request = exclusions.request_exclusion(
        awa, Membership.objects.get(user=yao), "Menaces répétées dans la gazette."
    )
    with pytest.raises(ValidationError):
        exclusions.request_exclusion(
            awa, Membership.objects.get(user=yao), "Deuxième demande identique."
        )
    with pytest.raises(PermissionDenied):
        exclusions.accept_exclusion(awa, request)
    exclusions.accept_exclusion(mariam, request)
    assert Membership.objects.get(user=yao).status == MembershipStatus.EXCLUDED
    assert ExclusionRequest.objects.get().status == ExclusionStatus.ACCEPTED
    assert kinds(riviera)[-1] == MovementKind.EXCLUSION


def test_a_rejected_exclusion_changes_nothing(riviera, awa, yao, mariam):
    request = exclusions.request_exclusion(
        awa, Membership.objects.get(user=yao), "Menaces répétées dans la gazette."
    )
    exclusions.reject_exclusion(mariam, request)
    assert Membership.objects.get(user=yao).status == MembershipStatus.ACTIVE
    assert Notification.objects.filter(recipient=awa, event="exclusion_rejected").exists()


def test_leaving_logs_a_departure(riviera, yao):
    services.leave_community(yao)
    assert Membership.objects.get(user=yao).status == MembershipStatus.LEFT
    assert kinds(riviera)[-1] == MovementKind.DEPARTURE


def test_when_the_last_referent_leaves_the_oldest_member_takes_over(riviera, awa, yao):
    services.leave_community(awa)
    assert Membership.objects.get(user=yao).is_referent
    assert Notification.objects.filter(recipient=yao, event="referent_succession").exists()


def test_the_last_member_closing_their_account_deletes_the_community(
    awa, django_capture_on_commit_callbacks
):
    community = factories.make_community(awa, name="Solitaire")
    account_services.close_account(awa)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert not Membership.objects.filter(user=awa).exists()  # gone with the community


def test_closing_an_account_leaves_the_community(riviera, yao):
    account_services.close_account(yao)
    assert kinds(riviera)[-1] == MovementKind.ACCOUNT_CLOSED
    assert Community.objects.filter(pk=riviera.pk).exists()


def test_a_member_moves_the_pin_only_inside_the_area(riviera, yao):
    account_services.set_home(
        yao,
        commune=factories.commune("cocody"),
        quartier="Riviera 2",
        address_details="",
        landmark="",
        latitude=5.3600,
        longitude=-3.9600,
    )
    with pytest.raises(ValidationError) as caught:
        account_services.set_home(
            yao,
            commune=factories.commune("cocody"),
            quartier="Angré",
            address_details="",
            landmark="",
            latitude=5.3975,
            longitude=-3.9880,
        )
    assert "quittez la communauté" in caught.value.messages[0]
    assert Home.objects.get(user=yao).latitude == 5.3600


def test_an_applicant_cannot_move_the_pin_out_of_the_requested_area(riviera, salif):
    with pytest.raises(ValidationError) as caught:
        account_services.set_home(
            salif,
            commune=factories.commune("cocody"),
            quartier="Angré",
            address_details="",
            landmark="",
            latitude=5.3975,
            longitude=-3.9880,
        )
    assert caught.value.code == "home_outside"
    assert "annulez d'abord votre demande" in caught.value.messages[0]
    assert Home.objects.get(user=salif).latitude == riviera.centre_latitude


def test_an_applicant_whose_pin_left_the_area_is_not_accepted(riviera, awa, salif):
    # However the pin got out (an old move, a boundary change), acceptance checks it again.
    Home.objects.filter(user=salif).update(latitude=5.3975, longitude=-3.9880)
    with pytest.raises(ValidationError) as caught:
        services.accept_join_request(awa, Membership.objects.get(user=salif))
    assert caught.value.code == "home_outside"
    assert Membership.objects.get(user=salif).status == MembershipStatus.PENDING


@pytest.fixture
def established(riviera):
    """Riviera 2, old enough to register neighbours without internet."""
    return factories.age_community(riviera, days=30)


def register(referent, community, mobile="+2250707998877", **fields):
    return factories.register_neighbour(referent, community, mobile=mobile, **fields)


def test_proxy_registration_makes_a_phone_only_member_asked_for_consent(
    established, awa, sms_outbox
):
    neighbour = register(awa, established)
    assert neighbour.email is None and not neighbour.has_usable_password()
    membership = Membership.objects.get(user=neighbour)
    assert (membership.status, membership.registered_by) == ("active", awa)
    # Not verified until the neighbour answers OUI: no alert SMS before that.
    assert neighbour.mobile_verified is False
    assert sms_outbox[-1].to == "+2250707998877"
    assert "Riviera 2" in sms_outbox[-1].text and "OUI" in sms_outbox[-1].text
    assert sms_outbox[-1].text.isascii()
    assert kinds(established)[-1] == MovementKind.PROXY_REGISTRATION


def test_the_consent_sms_is_our_text_with_only_the_community_name_in_gsm7(
    established, awa, sms_outbox
):
    Community.objects.filter(pk=established.pk).update(name="Côte des Fêtes")
    established.refresh_from_db()
    register(awa, established)
    text = sms_outbox[-1].text
    assert "Cote des Fetes" in text and is_gsm7(text)
    assert "Awa" not in text and "Amenan" not in text and "Koné" not in text


@pytest.mark.parametrize(
    "name",
    ["Gagnez 500000F appelez le", "Gagnez²", "www.gagnez", "bit.ly/gagnez", "awa@exemple.ci"],
)
def test_proxy_registration_follows_the_sign_up_name_rules(established, awa, sms_outbox, name):
    with pytest.raises(ValidationError) as caught:
        register(awa, established, first_name=name)
    assert "first_name" in caught.value.message_dict
    assert User.objects.count() == 2 and sms_outbox == []


def test_a_number_is_registered_once_per_community(established, awa, yao, sms_outbox):
    register(awa, established)
    with pytest.raises(ValidationError) as caught:
        register(awa, established, first_name="Autre")
    assert "mobile" in caught.value.message_dict
    with pytest.raises(ValidationError):
        register(awa, established, mobile=str(yao.mobile))  # already a member
    assert len(sms_outbox) == 1


def test_only_an_ivorian_number_can_be_registered(established, awa, sms_outbox):
    with pytest.raises(ValidationError) as caught:
        register(awa, established, mobile="+33612345678")
    assert "mobile" in caught.value.message_dict
    assert User.objects.count() == 2 and sms_outbox == []


def test_a_new_community_cannot_register_neighbours_yet(riviera, awa, sms_outbox):
    factories.age_community(riviera, days=6)
    with pytest.raises(ValidationError) as caught:
        factories.register_neighbour(awa, riviera, aged=False)
    assert caught.value.code == "too_new"
    assert User.objects.count() == 2 and sms_outbox == []


@pytest.mark.parametrize(
    ("limit", "other_referent"),
    [("neighbour_by_referent", False), ("neighbour_by_community", True)],
)
def test_registrations_are_capped_and_staff_are_told_once(
    established, awa, mariam, sms_outbox, settings, limit, other_referent
):
    from monquartier.outbox.models import TextMessage

    settings.FLOOD_LIMITS = {
        **settings.FLOOD_LIMITS,
        "neighbour_by_referent": (2, 24 * 3600),
        "neighbour_by_community": (2 if other_referent else 10, 24 * 3600),
    }
    register(awa, established, mobile="+2250707000001")
    register(awa, established, mobile="+2250707000002")
    second = factories.add_member(established, referent=True, first_name="Kone", last_name="Ali")
    actor = second if other_referent else awa
    for attempt in range(2):
        with pytest.raises(ValidationError) as caught:
            register(actor, established, mobile=f"+225070700001{attempt}")
        assert caught.value.code == "flood"
    assert len(sms_outbox) == 2
    assert TextMessage.objects.filter(purpose="consent", community=established).count() == 2
    notice = Notification.objects.get(event="sms_cap_reached")
    assert (notice.recipient, notice.community, notice.data["limit"]) == (
        mariam,
        established,
        limit,
    )


def test_proxy_registration_refuses_a_home_outside_and_a_taken_email(established, awa, yao):
    with pytest.raises(ValidationError):
        register(awa, established, first_name="Ama", last_name="Bi", latitude=5.40, longitude=-3.90)
    with pytest.raises(ValidationError):
        register(awa, established, first_name="Ama", last_name="Bi", email=yao.email)
    assert User.objects.count() == 2


def test_twinning_asked_accepted_and_ended(riviera, riviera3, awa, koffi):
    twinning = services.request_twinning(awa, riviera, riviera3)
    assert Notification.objects.filter(recipient=koffi, event="twinning_requested").exists()
    with pytest.raises(PermissionDenied):
        services.accept_twinning(awa, twinning)  # the other side decides
    services.accept_twinning(koffi, twinning)
    assert Twinning.objects.partner_ids(riviera.pk) == [riviera3.pk]
    assert Twinning.objects.partner_ids(riviera3.pk) == [riviera.pk]
    with pytest.raises(ValidationError):
        services.request_twinning(koffi, riviera3, riviera)  # already twinned, either way
    services.end_twinning(awa, twinning)
    assert twinning.__class__.objects.get().status == TwinningStatus.ENDED
    for community in (riviera, riviera3):
        assert kinds(community)[-3:] == [
            MovementKind.TWINNING_REQUESTED,
            MovementKind.TWINNING_STARTED,
            MovementKind.TWINNING_ENDED,
        ]


def test_a_twinning_request_reaches_the_other_referents_at_once(riviera, riviera3, awa, koffi):
    from monquartier.notifications.models import Mode, NotificationKind
    from monquartier.notifications.preferences import save_preferences
    from monquartier.outbox.models import Delivery

    services.request_twinning(awa, riviera, riviera3)
    told = Notification.objects.get(recipient=koffi, event="twinning_requested")
    # The référents' setting for requests decides (instant by default), not the digest.
    assert told.kind == NotificationKind.JOIN_REQUEST and not told.for_digest
    assert Delivery.objects.filter(notification=told, channel="email").exists()
    assert told.url == f"/c/{riviera3.pk}/jumelages/"
    save_preferences(koffi, {NotificationKind.JOIN_REQUEST: Mode.DIGEST}, alert_sms=True)
    services.decline_twinning(koffi, told.community.twinnings_received.get())
    services.request_twinning(awa, riviera, riviera3)
    latest = Notification.objects.filter(recipient=koffi, event="twinning_requested").latest("pk")
    assert latest.for_digest


def test_ending_a_twinning_asks_first_then_tells_the_other_side(
    client, riviera, riviera3, awa, koffi, aya, twinned
):
    url = reverse("communities:twinning_action", args=[riviera.pk, twinned.pk, "terminer"])
    factories.log_in(client, awa)
    # The button on the twinnings page leads to a page that asks; posting without the
    # confirmation (an old form, a double click) only shows that page again.
    for response in (client.get(url), client.post(url)):
        page = response.content.decode()
        assert response.status_code == 200 and "Riviera 3" in page and 'name="confirm"' in page
    twinned.refresh_from_db()
    assert twinned.status == TwinningStatus.ACTIVE
    assert not Notification.objects.filter(event="twinning_ended").exists()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    twinned.refresh_from_db()
    assert twinned.status == TwinningStatus.ENDED
    (told,) = Notification.objects.filter(event="twinning_ended")
    assert told.recipient == koffi and told.data == {"other": "Riviera 2"}
    assert not told.for_digest


def test_withdrawing_a_twinning_request_tells_the_other_side(riviera, riviera3, awa, koffi):
    twinning = services.request_twinning(awa, riviera, riviera3)
    services.end_twinning(awa, twinning)
    (told,) = Notification.objects.filter(event="twinning_withdrawn")
    assert told.recipient == koffi and told.community == riviera3


def test_twinning_is_between_neighbours_only(riviera, awa):
    far_referent = factories.make_user("Issa", "Koné")
    far = factories.make_community(
        far_referent, name="Niangon Nord", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    with pytest.raises(ValidationError) as caught:
        services.request_twinning(awa, riviera, far)
    assert caught.value.code == "too_far"


def test_a_declined_twinning(riviera, riviera3, awa, koffi):
    twinning = services.request_twinning(awa, riviera, riviera3)
    services.decline_twinning(koffi, twinning)
    assert twinning.__class__.objects.get().status == TwinningStatus.DECLINED
    services.request_twinning(awa, riviera, riviera3)  # may ask again later


def test_boundary_change_lists_members_left_outside(riviera, awa, yao):
    smaller = factories.square(5.3588, -3.9612, side_m=60)  # Awa's home only
    _polygon, _area, outside = services.preview_boundary(riviera, smaller)
    assert outside == [yao]
    with pytest.raises(ValidationError) as caught:
        services.change_boundary(awa, riviera, smaller)
    assert "Yao Kouassi" in caught.value.messages[0]
    services.change_boundary(awa, riviera, smaller, leave_outside=True)
    riviera.refresh_from_db()
    assert riviera.area_m2 < 5_000
    assert kinds(riviera)[-1] == MovementKind.BOUNDARY_CHANGED


def test_boundary_change_keeps_the_size_and_overlap_rules(riviera, riviera3, awa):
    with pytest.raises(ValidationError):
        services.change_boundary(
            awa, riviera, factories.square(5.3590, -3.9610, side_m=1200), leave_outside=True
        )
    with pytest.raises(ValidationError) as caught:
        services.change_boundary(
            awa, riviera, factories.square(5.3590, -3.9575, side_m=800), leave_outside=True
        )
    assert "Riviera 3" in caught.value.messages[0]


def test_renaming_is_logged(riviera, awa):
    services.change_boundary(awa, riviera, riviera.area, name="  Riviera 2 –  Allée des Manguiers ")
    riviera.refresh_from_db()
    assert riviera.name == "Riviera 2 – Allée des Manguiers"
    assert Movement.objects.filter(kind=MovementKind.RENAMED).get().detail.startswith("Riviera 2 →")
    # The area did not change: no boundary change in the history.
    assert MovementKind.BOUNDARY_CHANGED not in kinds(riviera)


def test_a_refused_name_saves_no_area(riviera, awa):
    """The area and the name are checked before anything is saved (once, the new area
    was saved and the name then refused, behind an error message)."""
    before = riviera.area
    with pytest.raises(ValidationError) as caught:
        services.change_boundary(
            awa, riviera, factories.square(5.3590, -3.9610, side_m=500), name="R"
        )
    assert set(caught.value.error_dict) == {"name"}
    riviera.refresh_from_db()
    assert (riviera.area, riviera.name) == (before, "Riviera 2")
    assert MovementKind.BOUNDARY_CHANGED not in kinds(riviera)


def test_the_boundary_page_saves_area_and_name_together_or_not_at_all(client, riviera, awa):
    factories.log_in(client, awa)
    url = reverse("communities:boundary", args=[riviera.pk])
    smaller = json.dumps(factories.square(5.3590, -3.9610, side_m=500))
    response = client.post(url, {"name": "  ", "area": smaller})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    response = client.post(url, {"name": "ab", "area": smaller})  # too short for the service
    assert response.status_code == 200 and response.context["form"].errors["name"]
    riviera.refresh_from_db()
    assert riviera.area_m2 > 300_000 and riviera.name == "Riviera 2"
    response = client.post(url, {"name": "Riviera 2 Nord", "area": smaller})
    assert response.status_code == 302
    riviera.refresh_from_db()
    assert riviera.area_m2 < 300_000 and riviera.name == "Riviera 2 Nord"


def test_the_boundary_page_names_the_members_left_outside(client, riviera, awa, yao):
    factories.log_in(client, awa)
    url = reverse("communities:boundary", args=[riviera.pk])
    smaller = json.dumps(factories.square(5.3588, -3.9612, side_m=60))  # Awa's home only
    response = client.post(url, {"name": "Riviera 2", "area": smaller})
    assert "Yao Kouassi" in str(response.context["form"].errors["leave_outside"])
    assert 'name="leave_outside"' in response.content.decode()
    response = client.post(url, {"name": "Riviera 2", "area": smaller, "leave_outside": "on"})
    assert response.status_code == 302


def test_rounds_of_join_requests_and_cancellations_are_flood_limited(riviera, awa, salif):
    from monquartier.notifications.models import Notification

    services.cancel_join_request(salif)
    for _round in range(2):
        services.request_to_join(salif, riviera)
        services.cancel_join_request(salif)
    notified = Notification.objects.filter(recipient=awa, event="join_requested").count()
    with pytest.raises(ValidationError) as caught:
        services.request_to_join(salif, riviera)
    assert caught.value.code == "flood"
    assert not Membership.objects.pending().filter(user=salif).exists()
    assert Notification.objects.filter(recipient=awa, event="join_requested").count() == notified
