"""The demo's invitations: Yao (member of Riviera 2) invited neighbours by SMS, by e-mail
and through his share link, and one of them joined. Idempotent; sends nothing (the
deliveries are written as already handed over)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import User
from monquartier.communities.models import Membership
from monquartier.invitations.models import (
    Invitation,
    InvitationChannel,
    InvitedSignup,
    address_digest,
)
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus

DEMO_INVITER = ("Yao", "Kouassi")


@transaction.atomic
def create_demo_invitations() -> int:
    """Returns the invitations created now (0 when they were there)."""
    inviter = User.objects.filter(email=email_for(*DEMO_INVITER)).first()
    membership = Membership.objects.active_for(inviter) if inviter else None
    if inviter is None or membership is None:
        return 0
    if Invitation.objects.sent_by(inviter).exists():
        return 0
    community = membership.community
    now = timezone.now()
    addressed = [
        Invitation.objects.create(
            inviter=inviter,
            community=community,
            channel=InvitationChannel.SMS,
            address="+2250707990101",
            address_digest=address_digest("+2250707990101"),
            created_at=now - timedelta(days=3),
        ),
        Invitation.objects.create(
            inviter=inviter,
            community=community,
            channel=InvitationChannel.EMAIL,
            address="voisine.du-lot-12@exemple.ci",
            address_digest=address_digest("voisine.du-lot-12@exemple.ci"),
            personal_note="On se voit au marché samedi, inscris-toi avant !",
            created_at=now - timedelta(days=1),
        ),
    ]
    for invitation in addressed:
        Delivery.objects.create(
            invitation=invitation,
            channel=Channel.SMS if invitation.channel == InvitationChannel.SMS else Channel.EMAIL,
            address=invitation.address,
            status=DeliveryStatus.SENT,
            sent_at=invitation.created_at,
            created_at=invitation.created_at,
        )
    link = Invitation.objects.create(
        inviter=inviter,
        community=community,
        channel=InvitationChannel.LINK,
        created_at=now - timedelta(days=20),
    )
    # A neighbour of his who joined since: the latest member who is no référent.
    joined = (
        Membership.objects.active()
        .filter(community=community, is_referent=False, user__invited_signup__isnull=True)
        .exclude(user=inviter)
        .order_by("-joined_at", "-pk")
        .first()
    )
    if joined is not None:
        InvitedSignup.objects.create(invitation=link, user=joined.user)
    return len(addressed) + 1
