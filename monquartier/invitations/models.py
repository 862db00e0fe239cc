"""Invitations: a member asks a neighbour to join their community.

An invitation only invites: it names the community and carries a short code; the
neighbour still signs up, pins their home and asks to join like anyone else. SMS and
e-mail invitations have one addressee each; a member's share link (WhatsApp, Facebook)
and their printed flyers carry one code per member and community, opened by any number
of neighbours. Who signed up through a code is an InvitedSignup.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# Read aloud, typed from paper or a phone screen: no 0/O, 1/I/L, nor 5/S or 2/Z.
CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8  # 27**8 ≈ 2.8e11: guessing one is hopeless, and guessing tells little
PERSONAL_NOTE_MAX_LENGTH = 300


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """The code as stored, or None when it cannot be one (typed in lower case, say)."""
    code = (raw or "").strip().upper()
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def address_digest(address: str) -> str:
    """A keyed digest of a normalised address: equal for the same person, and telling
    nothing about them once the address itself is forgotten."""
    return salted_hmac("invitations.address", address, algorithm="sha256").hexdigest()


class InvitationChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LINK = "link", _("Lien de partage")
    PRINT = "print", _("Affichette imprimée")


# One code per member, community and channel: whoever opens it came through that member.
SHARED_CHANNELS = (InvitationChannel.LINK, InvitationChannel.PRINT)


class InvitationQuerySet(models.QuerySet):
    def sent_by(self, user) -> "InvitationQuerySet":
        return self.filter(inviter=user)

    def addressed(self) -> "InvitationQuerySet":
        return self.filter(channel__in=[InvitationChannel.SMS, InvitationChannel.EMAIL])


class Invitation(models.Model):
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations_sent",
        verbose_name=_("invité par"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("communauté"),
    )
    channel = models.CharField(_("canal"), max_length=8, choices=InvitationChannel.choices)
    # E.164 for SMS, the lower-cased address for e-mail; empty for shared codes, and
    # emptied after INVITATION_ADDRESS_KEPT_DAYS (jobs.py): the digest stays, so that
    # nobody is invited twice by the same member.
    address = models.CharField(_("destinataire"), max_length=320, blank=True)
    address_digest = models.CharField(_("empreinte du destinataire"), max_length=64, blank=True)
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_code)
    personal_note = models.CharField(
        _("mot personnel"), max_length=PERSONAL_NOTE_MAX_LENGTH, blank=True
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inviter", "community", "channel"],
                condition=models.Q(channel__in=["link", "print"]),
                name="one_shared_code_per_member_community_channel",
            ),
        ]
        indexes = [
            # The caps: a member's, a community's and an addressee's recent invitations.
            models.Index(fields=["inviter", "channel", "created_at"], name="invitation_by_inviter"),
            models.Index(
                fields=["community", "channel", "created_at"], name="invitation_by_community"
            ),
            models.Index(
                fields=["address", "created_at"],
                name="invitation_by_address",
                condition=~models.Q(address=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.code}"

    @property
    def is_shared(self) -> bool:
        return self.channel in SHARED_CHANNELS


class InvitedSignup(models.Model):
    """An account created after its owner opened an invitation's link or code. Only
    the first invitation counts: an account comes through one invitation at most."""

    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        related_name="signups",
        verbose_name=_("invitation"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invited_signup",
        verbose_name=_("compte"),
    )
    created_at = models.DateTimeField(_("inscrit le"), default=timezone.now)

    class Meta:
        verbose_name = _("inscription par invitation")
        verbose_name_plural = _("inscriptions par invitation")

    def __str__(self) -> str:
        return f"{self.invitation.code} → {self.user_id}"
