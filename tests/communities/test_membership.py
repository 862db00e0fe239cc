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
    TwinningStatus,
    ValidationMode,
)
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus
from monquartier.notifications.models import Notification
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
        services.request_exclusion(awa, Membership.objects.get(user=yao), "court")
    request = services.request_exclusion(
        awa, Membership.objects.get(user=yao), "Menaces répétées dans la gazette."
    )
    with pytest.raises(ValidationError):
        services.request_exclusion(
            awa, Membership.objects.get(user=yao), "Deuxième demande identique."
        )
    with pytest.raises(PermissionDenied):
        services.accept_exclusion(awa, request)
    services.accept_exclusion(mariam, request)
    assert Membership.objects.get(user=yao).status == MembershipStatus.EXCLUDED
    assert ExclusionRequest.objects.get().status == ExclusionStatus.ACCEPTED
    assert kinds(riviera)[-1] == MovementKind.EXCLUSION


def test_a_rejected_exclusion_changes_nothing(riviera, awa, yao, mariam):
    request = services.request_exclusion(
        awa, Membership.objects.get(user=yao), "Menaces répétées dans la gazette."
    )
    services.reject_exclusion(mariam, request)
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


def test_proxy_registration_makes_a_phone_only_member_told_by_sms(riviera, awa, sms_outbox):
    neighbour = services.register_neighbour(
        awa,
        riviera,
        first_name="Amenan",
        last_name="Yao",
        mobile="+2250707998877",
        quartier="Riviera 2",
        latitude=5.3592,
        longitude=-3.9612,
    )
    assert neighbour.email is None and not neighbour.has_usable_password()
    membership = Membership.objects.get(user=neighbour)
    assert (membership.status, membership.registered_by) == ("active", awa)
    assert sms_outbox[-1].to == "+2250707998877"
    assert "Awa K." in sms_outbox[-1].text and "Riviera 2" in sms_outbox[-1].text
    assert sms_outbox[-1].text.isascii()
    assert kinds(riviera)[-1] == MovementKind.PROXY_REGISTRATION


def test_proxy_registration_refuses_a_home_outside_and_a_taken_email(riviera, awa, yao):
    with pytest.raises(ValidationError):
        services.register_neighbour(
            awa,
            riviera,
            first_name="A",
            last_name="B",
            mobile="+2250707998877",
            quartier="X",
            latitude=5.40,
            longitude=-3.90,
        )
    with pytest.raises(ValidationError):
        services.register_neighbour(
            awa,
            riviera,
            first_name="A",
            last_name="B",
            mobile="+2250707998877",
            email=yao.email,
            quartier="X",
            latitude=5.3592,
            longitude=-3.9612,
        )
    assert User.objects.count() == 2


def test_twinning_asked_accepted_and_ended(riviera, riviera3, awa, koffi):
    twinning = services.request_twinning(awa, riviera, riviera3)
    assert Notification.objects.filter(recipient=koffi, event="twinning_requested").exists()
    with pytest.raises(PermissionDenied):
        services.accept_twinning(awa, twinning)  # the other side decides
    services.accept_twinning(koffi, twinning)
    assert services.twinned_community_ids(riviera.pk) == [riviera3.pk]
    assert services.twinned_community_ids(riviera3.pk) == [riviera.pk]
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
    services.rename_community(awa, riviera, "  Riviera 2 –  Allée des Manguiers ")
    riviera.refresh_from_db()
    assert riviera.name == "Riviera 2 – Allée des Manguiers"
    assert Movement.objects.filter(kind=MovementKind.RENAMED).get().detail.startswith("Riviera 2 →")
    with pytest.raises(ValidationError):
        services.rename_community(awa, riviera, "R")
