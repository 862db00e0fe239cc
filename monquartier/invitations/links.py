"""Where an invitation leads, and how it is shared."""

from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from monquartier.communities.models import Community
from monquartier.invitations.models import Invitation


def invitation_url(invitation: Invitation) -> str:
    """The short link: what SMS, flyers and QR codes carry."""
    return settings.SITE_URL + reverse("invitations:open", args=[invitation.code])


def share_text(community: Community) -> str:
    return _(
        "Rejoignez la communauté « %(name)s » sur MonQuartier : les voisins vigilants "
        "s'alertent entre eux en cas de problème. Inscription gratuite :"
    ) % {"name": community.name}


def whatsapp_url(invitation: Invitation) -> str:
    """A plain link: WhatsApp opens with the text ready to send (no script of theirs)."""
    text = f"{share_text(invitation.community)} {invitation_url(invitation)}"
    return "https://wa.me/?text=" + quote(text, safe="")


def facebook_url(invitation: Invitation) -> str:
    return "https://www.facebook.com/sharer/sharer.php?u=" + quote(
        invitation_url(invitation), safe=""
    )
