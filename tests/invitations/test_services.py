import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from monquartier.alerts.sms_intake import handle_inbound
from monquartier.invitations import services
from monquartier.invitations.models import Invitation, InvitationChannel, InvitedSignup
from monquartier.outbox.models import Delivery, DeliveryStatus, SMSOptOut
from monquartier.outbox.sms import InboundMessage
from tests import factories

NEIGHBOUR = "+2250707556677"


def inbound(text: str, message_id: str) -> InboundMessage:
    return InboundMessage(
        provider_message_id=message_id, sender=NEIGHBOUR, text=text, received_at=timezone.now()
    )


def errors_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_an_sms_invitation_names_the_community_and_carries_the_short_link(
    yao, riviera, run_tasks, sms_outbox, settings
):
    invitation = services.invite_by_sms(yao, "07 07 55 66 77")
    assert (invitation.channel, invitation.address, invitation.community) == (
        InvitationChannel.SMS,
        NEIGHBOUR,
        riviera,
    )
    assert re.fullmatch(r"[346789ABCDEFGHJKMNPQRTUVWXY]{8}", invitation.code)
    run_tasks()
    (sms,) = sms_outbox
    assert sms.to == NEIGHBOUR
    assert "Riviera 2" in sms.text
    assert f"{settings.SITE_URL}/invitation/{invitation.code}/" in sms.text
    assert "STOP" in sms.text and len(sms.text) <= 160
    # The neighbour is not a member: no name of the inviter in an SMS to a stranger.
    assert "Yao" not in sms.text and "Kouassi" not in sms.text
    assert Delivery.objects.get(invitation=invitation).status == DeliveryStatus.SENT


def test_a_long_community_name_is_shortened_never_the_link(yao, riviera, run_tasks, sms_outbox):
    riviera.name = "Résidence des Jardins de la Riviera Palmeraie, 3e tranche, côté lagune"
    riviera.save()
    invitation = services.invite_by_sms(yao, NEIGHBOUR)
    run_tasks()
    (sms,) = sms_outbox
    assert len(sms.text) <= 160 and f"/invitation/{invitation.code}/" in sms.text
    assert "Résidence des Jardins de la Riviera..." in sms.text


def test_an_email_invitation_carries_the_personal_line_escaped_and_the_public_name(
    yao, riviera, run_tasks
):
    invitation = services.invite_by_email(
        yao, "  Adjoua.Konan@Exemple.CI ", "Viens, on est bien ici <b>vraiment</b>\n\n  !"
    )
    assert invitation.address == "adjoua.konan@exemple.ci"
    assert invitation.personal_note == "Viens, on est bien ici <b>vraiment</b> !"
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["adjoua.konan@exemple.ci"]
    assert "Riviera 2" in message.subject
    assert f"/invitation/{invitation.code}/" in message.body
    assert "Viens, on est bien ici <b>vraiment</b> !" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;vraiment&lt;/b&gt;" in html and "<b>vraiment" not in html
    assert f"/invitation/{invitation.code}/" in html
    # Yao has a pseudonym: a stranger sees it, never his real name.
    assert "Yao de la Riviera" in message.body and "Kouassi" not in message.body


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0707", "trop court"),
        ("07 07 12 34", "10 chiffres"),
        ("27 22 44 55 66", "fixe"),
        ("abc", "chiffres"),
        ("+33 6 12 34 56 78", "mobiles ivoiriens"),
        ("", "Indiquez"),
    ],
)
def test_an_invalid_number_is_refused_and_nothing_is_counted(
    yao, riviera, sms_outbox, number, message
):
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(yao, number)
    assert message in errors_of(excinfo)
    assert not Invitation.objects.exists() and not Delivery.objects.exists() and not sms_outbox


@pytest.mark.parametrize("address", ["adjoua@", "pas une adresse", "", "a" * 250 + "@exemple.ci"])
def test_an_invalid_address_is_refused_and_nothing_is_sent(yao, riviera, address):
    with pytest.raises(ValidationError):
        services.invite_by_email(yao, address)
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_personal_line_too_long_is_refused(yao, riviera):
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_email(yao, "adjoua@exemple.ci", "x" * 301)
    assert "trop long" in errors_of(excinfo)
    assert not Invitation.objects.exists()


def test_a_number_that_answered_stop_is_never_invited(yao, riviera, sms_outbox, run_tasks):
    handle_inbound("dev", [inbound("STOP", "1")])
    run_tasks()
    sms_outbox.clear()  # our reply to the STOP
    assert SMSOptOut.objects.covers(NEIGHBOUR)
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(yao, NEIGHBOUR)
    assert "ne plus recevoir nos SMS" in errors_of(excinfo)
    assert not Invitation.objects.exists() and not sms_outbox
    # START lifts it.
    handle_inbound("dev", [inbound("START", "2")])
    assert not SMSOptOut.objects.covers(NEIGHBOUR)
    services.invite_by_sms(yao, NEIGHBOUR)


def test_a_member_is_never_invited_by_sms_nor_by_email(yao, riviera, awa, koffi, salif):
    for number in (awa.mobile, koffi.mobile, salif.mobile):  # same, other, pending
        with pytest.raises(ValidationError) as excinfo:
            services.invite_by_sms(yao, str(number))
        assert "déjà membre" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_email(yao, "KOFFI.BROU@exemple.ci")
    assert "membre de MonQuartier" in errors_of(excinfo)
    assert not Invitation.objects.exists()
    assert not Delivery.objects.filter(invitation__isnull=False).exists()


def test_an_account_without_community_may_be_invited(yao, riviera, issa):
    services.invite_by_email(yao, issa.email)
    services.invite_by_sms(yao, str(issa.mobile))


def test_the_member_daily_sms_cap(yao, riviera, settings, sms_outbox):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "invitation_sms_member": (2, 86400)}
    services.invite_by_sms(yao, "+2250707000001")
    services.invite_by_sms(yao, "+2250707000002")
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(yao, "+2250707000003")
    assert "déjà envoyé 2 invitations" in errors_of(excinfo)
    assert Invitation.objects.count() == 2 and Delivery.objects.count() == 2
    # E-mail has its own cap.
    services.invite_by_email(yao, "adjoua@exemple.ci")


def test_the_community_daily_cap_counts_every_member(yao, awa, riviera, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "invitation_email_community": (2, 86400)}
    services.invite_by_email(yao, "un@exemple.ci")
    services.invite_by_email(awa, "deux@exemple.ci")
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_email(yao, "trois@exemple.ci")
    assert "Votre communauté a déjà envoyé 2" in errors_of(excinfo)
    assert Invitation.objects.count() == 2


def test_an_addressee_gets_one_invitation_a_week_and_never_twice_from_one_member(yao, awa, riviera):
    services.invite_by_sms(yao, NEIGHBOUR)
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(awa, NEIGHBOUR)
    assert "cette semaine" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.invite_by_sms(yao, NEIGHBOUR)
    assert "déjà invité" in errors_of(excinfo)
    assert Invitation.objects.count() == 1


def test_only_active_members_invite(issa, salif):
    for user in (issa, salif):
        with pytest.raises(ValidationError) as excinfo:
            services.invite_by_sms(user, NEIGHBOUR)
        assert "Seuls les membres" in errors_of(excinfo)
    assert not Invitation.objects.exists()


def test_a_member_has_one_share_code_and_one_print_code(yao, riviera):
    link = services.shared_invitation(yao, InvitationChannel.LINK)
    assert services.shared_invitation(yao, InvitationChannel.LINK) == link
    printed = services.shared_invitation(yao, InvitationChannel.PRINT)
    assert printed != link and printed.code != link.code
    assert not Delivery.objects.exists()
    with pytest.raises(ValueError):
        services.shared_invitation(yao, InvitationChannel.SMS)


def test_a_signup_is_recorded_once_and_unknown_codes_change_nothing(yao, riviera, issa, mariam):
    link = services.shared_invitation(yao, InvitationChannel.LINK)
    assert services.record_signup("nope", issa) is None
    assert services.record_signup(link.code.lower(), issa).invitation == link
    other = services.shared_invitation(factories.add_member(riviera), InvitationChannel.LINK)
    assert services.record_signup(other.code, issa).invitation == link  # the first one stays
    assert services.record_signup(link.code, yao) is None  # one's own code
    assert InvitedSignup.objects.count() == 1


def test_refusals_that_tell_who_is_a_member_are_capped(yao, riviera, awa, settings):
    settings.INVITATION_TELLING_REFUSALS_PER_DAY = 2
    for _attempt in range(2):
        with pytest.raises(ValidationError) as excinfo:
            services.invite_by_sms(yao, str(awa.mobile))
        assert "déjà membre" in errors_of(excinfo)
    for attempt in (
        lambda: services.invite_by_sms(yao, str(awa.mobile)),
        lambda: services.invite_by_email(yao, awa.email),
        lambda: services.invite_by_sms(yao, NEIGHBOUR),
    ):
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert "Trop d'invitations refusées" in errors_of(excinfo)
    assert not Invitation.objects.exists()
    # An invalid number says nothing about anyone: it does not count.
    settings.INVITATION_TELLING_REFUSALS_PER_DAY = 3
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            services.invite_by_sms(yao, "0707")
    services.invite_by_sms(yao, NEIGHBOUR)


def test_an_invitation_waiting_to_go_is_cancelled_if_its_addressee_said_stop_or_joined(
    yao, riviera, run_tasks, sms_outbox
):
    stopped = services.invite_by_sms(yao, NEIGHBOUR)
    joined = services.invite_by_email(yao, "adjoua@exemple.ci")
    kept = services.invite_by_sms(yao, "+2250707556688")
    SMSOptOut.record(NEIGHBOUR)
    factories.add_member(riviera, factories.make_user("Adjoua", "Konan", email="adjoua@exemple.ci"))
    run_tasks()
    statuses = dict(
        Delivery.objects.filter(invitation__isnull=False).values_list("invitation", "status")
    )
    assert statuses == {
        stopped.pk: DeliveryStatus.CANCELLED,
        joined.pk: DeliveryStatus.CANCELLED,
        kept.pk: DeliveryStatus.SENT,
    }
    assert [sms.to for sms in sms_outbox] == ["+2250707556688"] and not mail.outbox
