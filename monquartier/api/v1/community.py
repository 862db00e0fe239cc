"""The member's own community: its information, history and directory; joining,
cancelling a request and leaving; and, for its référents, the join requests. The same
fetchers (communities/access.py), services (communities/services) and names
(communities/privacy.py) as the website's "Mon quartier" pages."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from monquartier.accounts.models import Home, User
from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    Applicant,
    CommunityOut,
    CommunityRef,
    Error,
    JoinIn,
    MemberOut,
    MemberPage,
    MembershipOut,
    MovementOut,
    MovementPage,
    PersonRef,
    Place,
    RefusalIn,
    RequestsOut,
)
from monquartier.communities import access, commune_rules, lookups, privacy, services
from monquartier.communities.forms import RefusalForm
from monquartier.communities.models import Community, Membership, Movement

router = Router(tags=["community"])

HISTORY_PER_PAGE = 30
DIRECTORY_PER_PAGE = 30


def _my_community(user: User) -> tuple[Community, Membership]:
    """The member's community through the website's fetcher: a pending member is told
    the request still waits (403), anyone without a community gets not_a_member."""
    membership = access.open_membership(user)
    if membership is None:
        raise ApiError(
            403,
            "not_a_member",
            _("Rejoignez d'abord la communauté de votre quartier."),
        )
    community, active = access.get_community_for_member(user, membership.community_id)
    if active is None:  # left in between (staff would otherwise see it as staff)
        raise ApiError(403, "not_a_member", _("Rejoignez d'abord la communauté de votre quartier."))
    return community, active


def _ref(community: Community | None) -> CommunityRef | None:
    return CommunityRef(id=community.pk, name=community.name) if community else None


@router.get(
    "/community", response={200: CommunityOut, 401: Error, 403: Error}, summary="My community"
)
def community_info(request: HttpRequest):
    """The member's community: its commune, number of members, référents (named as the
    privacy rules name them to the reader), the twinned communities, and for a référent
    the number of join requests waiting."""
    user = signed_in(request)
    community, membership = _my_community(user)
    referents = privacy.name_memberships(
        privacy.Viewpoint.of(user, membership),
        Membership.objects.referents()
        .filter(community=community)
        .select_related("user")
        .order_by("user__first_name", "pk"),
    )
    return CommunityOut(
        id=community.pk,
        name=community.name,
        commune=community.commune.name,
        member_count=Membership.objects.active().filter(community=community).count(),
        is_referent=membership.is_referent,
        referents=[PersonRef(id=item.user_id, name=item.name) for item in referents],
        twinned=[
            CommunityRef(id=other.pk, name=other.name)
            for other in Community.objects.twinned_with(community.pk)
        ],
        pending_count=Membership.objects.pending().filter(community=community).count()
        if membership.is_referent
        else 0,
    )


@router.get(
    "/community/history",
    response={200: MovementPage, 401: Error, 403: Error, 422: Error},
    summary="My community's history",
)
def community_history(request: HttpRequest, params: Query[ListParams]):
    """Arrivals, departures, référents, twinnings… newest first, 30 a page, as the
    website's history page names them to the reader."""
    cursors.refuse_unknown(request, ListParams.model_fields)
    user = signed_in(request)
    community, membership = _my_community(user)
    movements = privacy.with_communities(
        Movement.objects.filter(community=community)
        .select_related("actor", "member", "other_community")
        .order_by("-created_at", "-id"),
        "actor",
        "member",
    )
    if params.cursor:
        when, pk = cursors.decode_moment(params.cursor)
        movements = movements.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    page = list(movements[: HISTORY_PER_PAGE + 1])
    more = len(page) > HISTORY_PER_PAGE
    page = page[:HISTORY_PER_PAGE]
    privacy.name_people(privacy.Viewpoint.of(user, membership), page, "actor", "member")
    return MovementPage(
        items=[
            MovementOut(
                id=movement.pk,
                kind=movement.kind,
                kind_label=str(movement.get_kind_display()),
                created_at=movement.created_at,
                member_name=movement.member_name or None,
                actor_name=movement.actor_name
                if movement.actor_id and movement.actor_id != movement.member_id
                else None,
                other_community=_ref(movement.other_community),
                detail=movement.detail,
            )
            for movement in page
        ],
        next_cursor=cursors.encode(page[-1].created_at.isoformat(), page[-1].pk) if more else None,
    )


@router.get(
    "/community/directory",
    response={200: MemberPage, 401: Error, 403: Error, 422: Error},
    summary="My community's directory",
)
def community_directory(request: HttpRequest, params: Query[ListParams]):
    """The members in the website's directory order, 30 a page, each card with what the
    reader may see (the directory's privacy rules: a hidden mobile is null…)."""
    cursors.refuse_unknown(request, ListParams.model_fields)
    user = signed_in(request)
    community, _membership = _my_community(user)
    memberships = (
        Membership.objects.active()
        # A suspended account may carry someone else's name: out of the directory.
        .filter(community=community, user__suspended_at__isnull=True)
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .order_by("directory_name", "pk")
    )
    if params.cursor:
        name, pk = cursors.decode(params.cursor)
        if not isinstance(name, str) or not isinstance(pk, int) or isinstance(pk, bool):
            raise cursors.invalid()
        memberships = memberships.filter(
            Q(directory_name__gt=name) | Q(directory_name=name, pk__gt=pk)
        )
    page = list(memberships[: DIRECTORY_PER_PAGE + 1])
    more = len(page) > DIRECTORY_PER_PAGE
    page = page[:DIRECTORY_PER_PAGE]
    items = []
    for item in page:
        rel = privacy.Relation.SELF if item.user_id == user.pk else privacy.Relation.COMMUNITY
        items.append(_member_out(privacy.member_card(item.user, rel, is_referent=item.is_referent)))
    return MemberPage(
        items=items,
        next_cursor=cursors.encode(page[-1].directory_name, page[-1].pk) if more else None,
    )


def _member_out(card: privacy.MemberCard) -> MemberOut:
    return MemberOut(
        id=card.id,
        name=card.name,
        pseudonym=card.pseudonym,
        is_referent=card.is_referent,
        address=card.address,
        landmark=card.landmark,
        mobile=card.mobile,
        landline=card.landline,
        email=card.email,
        birthday=card.birthday,
        description=card.description,
        interests=card.interests,
        photo_url=card.photo_url,
    )


@router.get(
    "/community/members/{id:user_id}",
    response={200: MemberOut, 401: Error, 403: Error, 404: Error},
    summary="A member's card",
)
def member_card(request: HttpRequest, user_id: int):
    """One member of the community (their user id, as in the directory), with what the
    reader may see of them: the website's member card (the directory's privacy rules).
    Someone who is not an active member of the reader's community is a 404."""
    user = signed_in(request)
    community, _membership = _my_community(user)
    member, membership = access.get_member_of(community, user_id)
    card = privacy.member_card(
        member, privacy.relation(user, member), is_referent=membership.is_referent
    )
    return _member_out(card)


@router.post(
    "/community/join",
    response={201: MembershipOut, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Ask to join a community",
)
@decorate_view(idempotent)
def join(request: HttpRequest, payload: JoinIn):
    """Ask to join the community that contains the member's home (its id, as a check,
    or nothing). The référents (or the town hall) decide; until then the status is
    pending. Send an `Idempotency-Key`: a repeat returns the same request."""
    user = signed_in(request)
    home = Home.objects.filter(user=user).first()
    if home is None:
        raise ApiError(
            422, "invalid", _("Indiquez d'abord votre adresse : elle décide de votre communauté.")
        )
    community = lookups.community_containing(home.latitude, home.longitude)
    if community is None or (payload.community is not None and payload.community != community.pk):
        # The website offers only the community around the home; another id tells nothing.
        message = _("Votre domicile n'est dans le périmètre d'aucune communauté : créez la vôtre.")
        if community is not None:
            message = _("Votre domicile n'est pas dans le périmètre de cette communauté.")
        raise ApiError(422, "invalid", message, {"community": [message]})
    membership = services.request_to_join(user, community)
    return Status(201, MembershipOut(status=membership.status, community=_ref(community)))


@router.post(
    "/community/cancel",
    response={200: MembershipOut, 401: Error, 422: Error},
    summary="Cancel my join request",
)
@decorate_view(idempotent)
def cancel(request: HttpRequest):
    """Withdraw the request still waiting. Without one: 422."""
    user = signed_in(request)
    membership = access.open_membership(user)
    services.cancel_join_request(user)  # refuses when nothing waits
    return MembershipOut(
        status="cancelled", community=_ref(membership.community if membership else None)
    )


@router.post(
    "/community/leave",
    response={200: MembershipOut, 401: Error, 422: Error},
    summary="Leave my community",
)
@decorate_view(idempotent)
def leave(request: HttpRequest):
    """Leave the community (the website asks to confirm first: the app should too). The
    last member leaving deletes the community; a last référent leaving hands the role on."""
    user = signed_in(request)
    membership = access.open_membership(user)
    services.leave_community(user)  # refuses when the member belongs to none
    return MembershipOut(
        status="left", community=_ref(membership.community if membership else None)
    )


def _referents_community(user: User) -> tuple[Community, Membership]:
    community, _membership = _my_community(user)
    community, membership = access.get_community_for_referent(user, community.pk)
    if membership is None:  # the fetcher lets no one else through
        raise ApiError(
            403, "forbidden", _("Cette page est réservée aux référents de la communauté.")
        )
    return community, membership


@router.get(
    "/community/requests",
    response={200: RequestsOut, 401: Error, 403: Error},
    summary="Join requests (référents)",
)
def join_requests(request: HttpRequest):
    """The requests waiting, oldest first, with what a référent may see of each applicant
    to check them: name, address, place and mobile (nothing more)."""
    user = signed_in(request)
    community, membership = _referents_community(user)
    viewpoint = privacy.Viewpoint.of(user, membership)
    pending = (
        Membership.objects.pending()
        .filter(community=community)
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .order_by("requested_at", "pk")
    )
    items = []
    for item in pending:
        card = privacy.member_card(
            item.user, viewpoint.relation_to(item.user_id, privacy.Ties.of(item))
        )
        items.append(
            Applicant(
                id=item.pk,
                requested_at=item.requested_at,
                name=card.name,
                address=card.address,
                landmark=card.landmark,
                place=Place(latitude=card.pin[0], longitude=card.pin[1]) if card.pin else None,
                mobile=card.mobile,
            )
        )
    return RequestsOut(validation_mode=commune_rules.effective_mode(community), items=items)


@router.post(
    "/community/requests/{id:request_id}/accept",
    response={200: MembershipOut, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Accept a join request (référents)",
)
@decorate_view(idempotent)
def accept_request(request: HttpRequest, request_id: int):
    user = signed_in(request)
    community, _membership = _referents_community(user)
    pending = access.get_pending_request(community, request_id)
    membership = services.accept_join_request(user, pending)
    return MembershipOut(status=membership.status, community=_ref(community))


@router.post(
    "/community/requests/{id:request_id}/refuse",
    response={200: MembershipOut, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Refuse a join request (référents)",
)
@decorate_view(idempotent)
def refuse_request(request: HttpRequest, request_id: int, payload: RefusalIn):
    """The reason is shown to the applicant (500 characters at most)."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    pending = access.get_pending_request(community, request_id)
    form = RefusalForm(data={"reason": payload.reason})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    membership = services.refuse_join_request(user, pending, form.cleaned_data["reason"])
    return MembershipOut(status=membership.status, community=_ref(community))
