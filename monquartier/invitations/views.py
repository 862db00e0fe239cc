"""Inviting neighbours (every member), the invitation's public page, and the référent's
space with its communication kit. Thin: the services decide, privacy names people."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from monquartier.accounts.phones import format_for_display
from monquartier.communities import access, privacy
from monquartier.communities.models import Community, Membership
from monquartier.invitations import links, printing, services, session
from monquartier.invitations.forms import EmailInvitationForm, SMSInvitationForm
from monquartier.invitations.models import Invitation, InvitationChannel, InvitedSignup
from monquartier.outbox.models import Delivery, DeliveryStatus

SENT_PAGE_SIZE = 20
# Names shown under one shared code; the others are counted.
NAMED_PER_INVITATION = 10
MEMBER_PRINTS = {"affichette", "carte-de-porte"}
REFERENT_KIT = {"affiche", "affichette", "presentation"}


def _member_community(request) -> tuple[Community, Membership] | None:
    membership = (
        Membership.objects.active_of(request.user)
        .select_related("community", "community__commune")
        .first()
    )
    if membership is None:
        messages.info(request, _("Rejoignez d'abord une communauté pour y inviter vos voisins."))
        return None
    return membership.community, membership


def _render_invite(request, community, membership, sms_form=None, email_form=None, status=200):
    link = services.shared_invitation(request.user, InvitationChannel.LINK)
    return render(
        request,
        "invitations/invite.html",
        {
            "community": community,
            "membership": membership,
            "sms_form": sms_form or SMSInvitationForm(),
            "email_form": email_form or EmailInvitationForm(),
            "share_url": links.invitation_url(link),
            "whatsapp_url": links.whatsapp_url(link),
            "facebook_url": links.facebook_url(link),
        },
        status=status,
    )


def invite(request):
    found = _member_community(request)
    if found is None:
        return redirect("communities:mine")
    return _render_invite(request, *found)


def _send(request, form_class, action, form_key: str, success: str):
    found = _member_community(request)
    if found is None:
        return redirect("communities:mine")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success % {"address": form.cleaned_data["address"].strip()})
            return redirect("invitations:invite")
    return _render_invite(request, *found, **{form_key: form}, status=400)


@require_POST
def invite_sms(request):
    return _send(
        request,
        SMSInvitationForm,
        lambda user, address: services.invite_by_sms(user, address),
        "sms_form",
        _("L'invitation part par SMS au %(address)s."),
    )


@require_POST
def invite_email(request):
    return _send(
        request,
        EmailInvitationForm,
        lambda user, address, personal_note: services.invite_by_email(user, address, personal_note),
        "email_form",
        _("L'invitation part par e-mail à %(address)s."),
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


def printed(request, kind: str):
    """The member's flyer or door card, with their own code."""
    if kind not in MEMBER_PRINTS:
        raise Http404
    found = _member_community(request)
    if found is None:
        return redirect("communities:mine")
    community, _membership = found
    invitation = services.shared_invitation(request.user, InvitationChannel.PRINT)
    build, name = printing.KIT[kind]
    return _pdf(build(community, links.invitation_url(invitation)), f"monquartier-{name}.pdf")


@dataclass
class InvitationRow:
    invitation: Invitation
    delivery_status: str | None
    people: list[tuple[str | None, str]]  # (name or None, what became of them)
    signup_count: int
    addressee: str  # the number or address the member typed (until forgotten)


_DELIVERY_LABELS = {
    DeliveryStatus.QUEUED: "queued",
    DeliveryStatus.SENDING: "queued",
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.CANCELLED: "failed",
    DeliveryStatus.SKIPPED: "failed",
}


def sent(request):
    """The member's invitations and who of the invitees joined, named by the privacy
    rules (only those the member may see by their real name). A fixed number of queries."""
    invitations = (
        Invitation.objects.sent_by(request.user)
        .select_related("community")
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=InvitedSignup.objects.select_related("user").order_by("-created_at"),
            ),
            Prefetch("deliveries", queryset=Delivery.objects.only("id", "invitation_id", "status")),
        )
    )
    page = Paginator(invitations, SENT_PAGE_SIZE).get_page(request.GET.get("page"))
    signups = [signup for invitation in page for signup in invitation.signups.all()]
    ties = privacy.ties_of([request.user.pk, *(signup.user_id for signup in signups)])
    viewpoint = privacy.Viewpoint.from_ties(
        request.user, ties.get(request.user.pk, privacy.NO_TIES)
    )
    rows = []
    for invitation in page:
        people = []
        for signup in list(invitation.signups.all())[:NAMED_PER_INVITATION]:
            their_ties = ties.get(signup.user_id, privacy.NO_TIES)
            if their_ties.community_id == invitation.community_id:
                became = "joined"
            elif their_ties.pending_community_id == invitation.community_id:
                became = "pending"
            else:
                became = "signed_up"
            people.append((privacy.invitee_name(viewpoint, signup.user, their_ties), became))
        deliveries = list(invitation.deliveries.all())
        rows.append(
            InvitationRow(
                invitation=invitation,
                delivery_status=_DELIVERY_LABELS.get(deliveries[0].status) if deliveries else None,
                people=people,
                signup_count=len(invitation.signups.all()),
                addressee=format_for_display(invitation.address)
                if invitation.channel == InvitationChannel.SMS
                else invitation.address,
            )
        )
    return render(request, "invitations/sent.html", {"page": page, "rows": rows})


@login_not_required
@cache_control(private=True, no_cache=True)
def open_invitation(request, code: str):
    """Public, and about no one: the community, what MonQuartier is, how to sign up. The
    code stays in the session for the sign-up and the join step."""
    invitation = services.invitation_for_code(code)
    if invitation is None:
        raise Http404
    if (
        not request.user.is_authenticated
        or not Membership.objects.open().filter(user=request.user).exists()
    ):
        session.remember(request, invitation)
    community = invitation.community
    return render(
        request,
        "invitations/open.html",
        {
            "community": community,
            "invitation_url": links.invitation_url(invitation),
            "member_count": community.memberships.active().count(),
            "share_text": links.share_text(community),
            "whatsapp_url": links.whatsapp_url(invitation),
            "facebook_url": links.facebook_url(invitation),
        },
    )


def _referent_community(request, community_id: int) -> tuple[Community, Membership]:
    """Référents of this community only; to anyone else the page does not exist."""
    try:
        community, membership = access.get_community_for_member(request.user, community_id)
    except access.PendingMember:
        raise Http404 from None
    if membership is None or not membership.is_referent:
        raise Http404
    return community, membership


def _support_link() -> tuple[str, bool]:
    """The contact form when it exists, else an e-mail to the support team."""
    try:
        return reverse("support:contact"), False
    except NoReverseMatch:
        return f"mailto:{settings.SUPPORT_EMAIL}", True


def referent_space(request, community_id: int):
    community, membership = _referent_community(request, community_id)
    support_url, support_is_email = _support_link()
    return render(
        request,
        "invitations/referent_space.html",
        {
            "community": community,
            "membership": membership,
            "is_referent": True,
            "support_url": support_url,
            "support_is_email": support_is_email,
            "support_email": settings.SUPPORT_EMAIL,
        },
    )


def referent_kit(request, community_id: int, kind: str):
    if kind not in REFERENT_KIT:
        raise Http404
    community, _membership = _referent_community(request, community_id)
    invitation = services.shared_invitation(request.user, InvitationChannel.PRINT)
    build, name = printing.KIT[kind]
    return _pdf(
        build(community, links.invitation_url(invitation)), f"monquartier-{name}-{community.pk}.pdf"
    )
