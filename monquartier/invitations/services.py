"""What a member does with invitations: one function per action, each one transaction.

SMS and e-mail invitations are refused before anything is written or counted: an invalid
number or address, a number that answered STOP, someone who is already a member, an
addressee invited this week, a member's or a community's daily cap reached. A refused
invitation costs nothing and counts for nothing; an accepted one is an Invitation row
(what the caps count) and one outbox Delivery, sent by the outbox's workers.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.accounts.phones import is_ivorian, parse_phone, to_e164
from monquartier.communities.models import Community, Membership
from monquartier.core import flood
from monquartier.invitations.models import (
    PERSONAL_NOTE_MAX_LENGTH,
    SHARED_CHANNELS,
    Invitation,
    InvitationChannel,
    InvitedSignup,
    address_digest,
    normalise_code,
)
from monquartier.outbox.models import Channel, Delivery, SMSOptOut
from monquartier.outbox.services import wake_senders

EMAIL_MAX_LENGTH = 254
# Refusals that tell something about an addressee ("already a member", "said STOP"): past
# this many in a day, a member can no longer use the form to find out who is a member.
REFUSALS_KEY = "invitations:refusals:{user_id}"
REFUSALS_WINDOW = 24 * 3600


def _check_not_probing(inviter: User) -> None:
    limit = settings.INVITATION_TELLING_REFUSALS_PER_DAY
    if cache.get(REFUSALS_KEY.format(user_id=inviter.pk), 0) >= limit:
        raise ValidationError(
            _("Trop d'invitations refusées aujourd'hui : réessayez demain."), code="probing"
        )


def _count_refusal(inviter: User) -> None:
    key = REFUSALS_KEY.format(user_id=inviter.pk)
    if cache.add(key, 1, REFUSALS_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, REFUSALS_WINDOW)


def inviting_community(user: User) -> Community:
    """The community a member invites to: their own, where they are an active member."""
    membership = Membership.objects.active_for(user)
    if membership is None:
        raise ValidationError(
            _("Seuls les membres d'une communauté peuvent inviter leurs voisins."),
            code="not_member",
        )
    return membership.community


def _check_caps(inviter: User, community: Community, channel: str, address: str) -> None:
    """The caps, cheapest refusal first. Refusals write nothing."""
    if Invitation.objects.filter(inviter=inviter, address_digest=address_digest(address)).exists():
        # The e-mail promises it: nobody is invited twice by the same person.
        raise ValidationError(
            {"address": _("Vous avez déjà invité cette personne.")}, code="already_invited"
        )
    sent = Invitation.objects.filter(channel=channel)
    flood.check_flood(
        sent.filter(inviter=inviter),
        f"invitation_{channel}_member",
        _("Vous avez déjà envoyé %(count)s invitations de ce type aujourd'hui : réessayez demain."),
    )
    flood.check_flood(
        sent.filter(community=community),
        f"invitation_{channel}_community",
        _(
            "Votre communauté a déjà envoyé %(count)s invitations de ce type aujourd'hui : "
            "réessayez demain."
        ),
    )
    if flood.is_flooded(Invitation.objects.filter(address=address), "invitation_per_address"):
        raise ValidationError(
            {"address": _("Cette personne a déjà reçu une invitation cette semaine.")},
            code="recently_invited",
        )


def _is_member(accounts) -> bool:
    """An account of theirs is in a community or asked to join one."""
    return Membership.objects.open().filter(user__in=accounts.filter(is_active=True)).exists()


def _sms_number(inviter: User, raw: str) -> str:
    try:
        number = to_e164(parse_phone(raw, mobile=True))
    except ValidationError as error:
        raise ValidationError({"address": error.messages}, code="invalid") from None
    if not is_ivorian(number):
        raise ValidationError(
            {"address": _("Les invitations par SMS partent seulement vers des mobiles ivoiriens.")},
            code="foreign",
        )
    # One message for both: the inviter learns no more about a number than they must.
    _check_not_probing(inviter)
    if SMSOptOut.objects.covers(number) or _is_member(User.objects.filter(mobile=number)):
        _count_refusal(inviter)
        raise ValidationError(
            {
                "address": _(
                    "Ce numéro ne recevra pas d'invitation : il est déjà membre de MonQuartier "
                    "ou a demandé à ne plus recevoir nos SMS."
                )
            },
            code="refused_number",
        )
    return number


def _email_address(inviter: User, raw: str) -> str:
    address = (raw or "").strip().lower()
    if not address or len(address) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            {"address": _("Indiquez une adresse e-mail valable.")}, code="invalid"
        )
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            {"address": _("Cette adresse e-mail n'est pas valable : vérifiez-la.")},
            code="invalid",
        ) from None
    _check_not_probing(inviter)
    if _is_member(User.objects.filter(email=address)):  # stored in lower case
        _count_refusal(inviter)
        raise ValidationError(
            {"address": _("Cette adresse est celle d'un membre de MonQuartier.")},
            code="refused_address",
        )
    return address


def _personal_note(raw: str) -> str:
    """Plain text on one paragraph: templates escape it; line breaks and runs of blanks
    would only help make the e-mail look like something else than ours."""
    note = " ".join((raw or "").split())
    if len(note) > PERSONAL_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "personal_note": _("Votre mot est trop long (%(max)s caractères au plus).")
                % {"max": PERSONAL_NOTE_MAX_LENGTH}
            },
            code="too_long",
        )
    return note


def _queue(invitation: Invitation, channel: str) -> Invitation:
    Delivery.objects.create(invitation=invitation, channel=channel, address=invitation.address)
    # The sender's task is written in this transaction: both exist or neither.
    wake_senders([channel])
    return invitation


@transaction.atomic(durable=True)
def invite_by_sms(inviter: User, number: str) -> Invitation:
    """Our fixed SMS, with the community's name and the invitation's link."""
    community = inviting_community(inviter)
    address = _sms_number(inviter, number)
    _check_caps(inviter, community, InvitationChannel.SMS, address)
    invitation = Invitation.objects.create(
        inviter=inviter,
        community=community,
        channel=InvitationChannel.SMS,
        address=address,
        address_digest=address_digest(address),
    )
    return _queue(invitation, Channel.SMS)


@transaction.atomic(durable=True)
def invite_by_email(inviter: User, email: str, personal_note: str = "") -> Invitation:
    """Our e-mail, with the inviter's optional personal line."""
    community = inviting_community(inviter)
    note = _personal_note(personal_note)
    address = _email_address(inviter, email)
    _check_caps(inviter, community, InvitationChannel.EMAIL, address)
    invitation = Invitation.objects.create(
        inviter=inviter,
        community=community,
        channel=InvitationChannel.EMAIL,
        address=address,
        address_digest=address_digest(address),
        personal_note=note,
    )
    return _queue(invitation, Channel.EMAIL)


def shared_invitation(inviter: User, channel: str) -> Invitation:
    """The member's code for a share link or for printed flyers, made the first time it is
    asked for. Sending nothing, it needs no cap."""
    if channel not in SHARED_CHANNELS:
        raise ValueError(f"{channel} invitations are addressed to one person")
    community = inviting_community(inviter)
    lookup = {"inviter": inviter, "community": community, "channel": channel}
    invitation = Invitation.objects.filter(**lookup).first()
    if invitation is not None:
        return invitation
    try:
        with transaction.atomic():
            return Invitation.objects.create(**lookup)
    except IntegrityError:  # made at the same moment by another request of theirs
        return Invitation.objects.get(**lookup)


def invitation_for_code(raw: str) -> Invitation | None:
    code = normalise_code(raw)
    if code is None:
        return None
    return (
        Invitation.objects.select_related("community", "community__commune")
        .filter(code=code)
        .first()
    )


@transaction.atomic
def record_signup(code: str, user: User) -> InvitedSignup | None:
    """The account was created after its owner opened this invitation (read from the
    session at sign-up). An unknown code, or an account already recorded, changes
    nothing: sign-up never fails because of an invitation."""
    invitation = invitation_for_code(code)
    if invitation is None or invitation.inviter_id == user.pk:
        return None
    signup, _created = InvitedSignup.objects.get_or_create(
        user=user, defaults={"invitation": invitation}
    )
    return signup
