"""How the outbox sends an invitation (outbox/sources.py): our fixed SMS and our e-mail.
The neighbour is not a member: they see the inviter's public name (privacy.public_name),
never the real one. Registered from InvitationsConfig.ready()."""

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities.models import Membership
from monquartier.communities.privacy import public_name
from monquartier.invitations.links import invitation_url
from monquartier.invitations.models import Invitation
from monquartier.outbox.models import Channel, Delivery, SMSOptOut
from monquartier.outbox.rendering import personalise, render_email
from monquartier.outbox.sms.gsm7 import fit_sms
from monquartier.outbox.sources import Source
from monquartier.outbox.transports import LINK, Email


def invitation_email(delivery: Delivery) -> Email:
    invitation = delivery.invitation
    if invitation is None:
        raise ValueError(f"Delivery {delivery.pk} carries no invitation")
    rendered = render_email(
        "invitations/email/invitation",
        {
            "community": invitation.community,
            "inviter_name": public_name(invitation.inviter),
            "personal_note": invitation.personal_note,
            "link": LINK,
        },
        settings.LANGUAGE_CODE,  # the neighbour has no account, hence no language yet
    )
    return personalise(
        rendered, invitation_url(invitation), to=delivery.address, delivery_id=delivery.pk
    )


def invitation_sms_text(invitation: Invitation) -> str:
    """One GSM-7 segment: only the community's name is shortened, never the link, and
    the way to refuse any further SMS."""
    with translation.override(settings.LANGUAGE_CODE):
        prefix = _("Un voisin vous invite dans la communaute ")
        suffix = _(" sur MonQuartier: %(link)s STOP pour refuser") % {
            "link": invitation_url(invitation)
        }
    return fit_sms(prefix, invitation.community.name, suffix)


def obsolete_invitations(deliveries: list[Delivery]) -> set[int]:
    """An invitation waiting for a retry must not go once its addressee said STOP or
    became a member in between (two queries per batch)."""
    numbers = {d.address for d in deliveries if d.channel == Channel.SMS}
    emails = {d.address for d in deliveries if d.channel == Channel.EMAIL}
    gone = set(SMSOptOut.objects.filter(number__in=numbers).values_list("number", flat=True))
    members = User.objects.filter(
        is_active=True, pk__in=Membership.objects.open().values("user_id")
    )
    for mobile, email in members.filter(Q(mobile__in=numbers) | Q(email__in=emails)).values_list(
        "mobile", "email"
    ):
        gone |= {str(mobile), email or ""}
    return {d.pk for d in deliveries if d.address in gone}


SOURCE = Source(
    field="invitation",
    queryset=lambda: Invitation.objects.select_related("community", "inviter"),
    email=invitation_email,
    sms=invitation_sms_text,
    obsolete=obsolete_invitations,
)
