"""Pages of a community, for its members and référents. Every view fetches through
access.py first; writes go through services.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from shapely.geometry import Point

from monquartier.accounts.models import Home
from monquartier.communities import access, geometry, lookups, privacy, services
from monquartier.communities.forms import (
    BoundaryForm,
    CommunitySettingsForm,
    CreateCommunityForm,
    ExclusionForm,
    NeighbourForm,
    RefusalForm,
    TwinningRequestForm,
)
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
    Twinning,
    TwinningStatus,
)
from monquartier.core.paths import path_prefix

DIRECTORY_PAGE_SIZE = 30
HISTORY_PAGE_SIZE = 30
NEARBY_METRES = 3_000


def _area_context(areas, pins=(), centre=None) -> dict:
    return {"areas": list(areas), "pins": list(pins), "centre": centre}


def _area_entry(community: Community, *, highlight: bool = False, url: str | None = None) -> dict:
    return {"name": community.name, "area": community.area, "url": url, "highlight": highlight}


def _home(user) -> Home | None:
    return Home.objects.select_related("commune").filter(user=user).first()


def my_community(request):
    """Where "Mon quartier" leads: the community, the waiting request, or how to join."""
    membership = access.open_membership(request.user)
    if membership and membership.status == MembershipStatus.ACTIVE:
        return redirect("communities:info", membership.community_id)
    home = _home(request.user)
    if home is None:
        messages.info(
            request, _("Indiquez d'abord votre adresse : elle décide de votre communauté.")
        )
        return redirect("accounts:home")
    pin = Point(home.longitude, home.latitude)
    containing = None if membership else lookups.community_containing(home.latitude, home.longitude)
    nearby = [
        (community, distance)
        for community, distance in lookups.communities_near(pin, within_m=NEARBY_METRES)
        if containing is None or community.pk != containing.pk
    ][:8]
    last_refusal = (
        Membership.objects.filter(user=request.user, status=MembershipStatus.REFUSED)
        .select_related("community")
        .order_by("-ended_at")
        .first()
    )
    areas = [_area_entry(community) for community, _distance in nearby]
    if membership:
        areas.append(_area_entry(membership.community, highlight=True))
    elif containing:
        areas.append(_area_entry(containing, highlight=True))
    return render(
        request,
        "communities/join.html",
        {
            "membership": membership,
            "containing": containing,
            "nearby": nearby,
            "home": home,
            "last_refusal": last_refusal,
            "map_context": _area_context(
                areas,
                [{"lat": home.latitude, "lng": home.longitude, "label": _("Mon domicile")}],
                [home.latitude, home.longitude],
            ),
        },
    )


@require_POST
def join(request):
    home = _home(request.user)
    community = lookups.community_containing(home.latitude, home.longitude) if home else None
    if community is None or str(community.pk) != request.POST.get("community"):
        messages.error(
            request,
            _("Votre domicile n'est dans le périmètre d'aucune communauté : créez la vôtre."),
        )
        return redirect("communities:mine")
    try:
        services.request_to_join(request.user, community)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Votre demande est envoyée aux référents de « %(name)s ».")
            % {"name": community.name},
        )
    return redirect("communities:mine")


@require_POST
def cancel_request(request):
    try:
        services.cancel_join_request(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Votre demande est annulée."))
    return redirect("communities:mine")


def create(request):
    home = _home(request.user)
    if home is None:
        return redirect("accounts:home")
    if access.open_membership(request.user):
        return redirect("communities:mine")
    form = CreateCommunityForm(
        request.POST or None, initial={"commune": home.commune_id, "name": home.quartier}
    )
    if request.method == "POST" and form.is_valid():
        try:
            community = services.create_community(
                request.user,
                name=form.cleaned_data["name"],
                commune=form.cleaned_data["commune"],
                area=form.cleaned_data["area"],
            )
        except ValidationError as error:
            form.add_error("area" if getattr(error, "code", "") != "name_short" else "name", error)
        else:
            messages.success(
                request,
                _("Votre communauté « %(name)s » est créée : vous en êtes le référent.")
                % {"name": community.name},
            )
            return redirect("communities:info", community.pk)
    neighbours = lookups.communities_near(
        Point(home.longitude, home.latitude), within_m=NEARBY_METRES
    )
    return render(
        request,
        "communities/create.html",
        {
            "form": form,
            "editor_context": {
                "home": [home.latitude, home.longitude],
                "centre": [home.latitude, home.longitude],
                "max_area": geometry.MAX_AREA_M2,
                "neighbours": [
                    {"name": community.name, "area": community.area} for community, _d in neighbours
                ],
            },
        },
    )


def leave(request):
    membership = access.open_membership(request.user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        return redirect("communities:mine")
    if request.method == "POST":
        try:
            services.leave_community(request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Vous avez quitté la communauté."))
            return redirect("home")
    return render(
        request,
        "communities/leave.html",
        {"community": membership.community, "membership": membership},
    )


def _page_context(community, membership, **extra) -> dict:
    return {
        "community": community,
        "membership": membership,
        "is_referent": bool(membership and membership.is_referent),
        **extra,
    }


def info(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    referents = privacy.name_memberships(
        privacy.Viewpoint.of(request.user, membership),
        Membership.objects.referents()
        .filter(community=community)
        .select_related("user")
        .order_by("user__first_name"),
    )
    member_count = Membership.objects.active().filter(community=community).count()
    twinned = Community.objects.twinned_with(community.pk)
    areas = [_area_entry(community, highlight=True)] + [_area_entry(other) for other in twinned]
    return render(
        request,
        "communities/info.html",
        _page_context(
            community,
            membership,
            referents=referents,
            member_count=member_count,
            twinned=twinned,
            map_context=_area_context(areas),
            pending_count=Membership.objects.pending().filter(community=community).count()
            if membership and membership.is_referent
            else 0,
        ),
    )


def directory(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    memberships = (
        Membership.objects.active()
        .filter(community=community)
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .order_by("directory_name", "pk")
    )
    page = Paginator(memberships, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    viewer_relation = privacy.Relation.STAFF if membership is None else privacy.Relation.COMMUNITY
    # One reverse() for the page's 30 links to member cards, not one per card.
    card_url = path_prefix("communities:member", community.pk)
    cards = [
        (
            privacy.member_card(
                item.user,
                privacy.Relation.SELF if item.user_id == request.user.pk else viewer_relation,
                is_referent=item.is_referent,
            ),
            f"{card_url}{item.user_id}/",
        )
        for item in page
    ]
    return render(
        request,
        "communities/directory.html",
        _page_context(community, membership, page=page, cards=cards),
    )


def member_card(request, community_id: int, user_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    member, member_membership = access.get_member_of(community, user_id)
    rel = privacy.relation(request.user, member)
    card = privacy.member_card(member, rel, is_referent=member_membership.is_referent)
    return render(
        request,
        "communities/member_card.html",
        _page_context(community, membership, card=card, member_membership=member_membership),
    )


def history(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    movements = privacy.with_communities(
        Movement.objects.filter(community=community).select_related(
            "actor", "member", "other_community"
        ),
        "actor",
        "member",
    )
    page = Paginator(movements, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The other community's référent who asked for a twinning is an outsider here.
    privacy.name_people(privacy.Viewpoint.of(request.user, membership), page, "actor", "member")
    return render(
        request, "communities/history.html", _page_context(community, membership, page=page)
    )


def requests(request, community_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    pending = _applicants(request.user, membership, community)
    return render(
        request,
        "communities/requests.html",
        _page_context(
            community,
            membership,
            pending=pending,
            refusal_form=RefusalForm(),
            map_context=_applicants_map(community, pending),
        ),
    )


def _applicants_map(community, pending) -> dict:
    pins = [
        {"lat": item.card.pin[0], "lng": item.card.pin[1], "label": item.card.name}
        for item in pending
        if item.card.pin
    ]
    return _area_context([_area_entry(community, highlight=True)], pins)


def _applicants(viewer, membership, community) -> list:
    """The pending requests, each with the card of the applicant that the viewer (a
    référent) may see: name, address, pin and mobile while the request waits."""
    viewpoint = privacy.Viewpoint.of(viewer, membership)
    pending = list(
        Membership.objects.pending()
        .filter(community=community)
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .order_by("requested_at")
    )
    for item in pending:
        item.card = privacy.member_card(
            item.user, viewpoint.relation_to(item.user_id, privacy.Ties.of(item))
        )
    return pending


@require_POST
def accept_request(request, community_id: int, membership_id: int):
    community, _membership = access.get_community_for_referent(request.user, community_id)
    pending = access.get_pending_request(community, membership_id)
    try:
        services.accept_join_request(request.user, pending)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s fait maintenant partie de la communauté.")
            % {"name": privacy.name_seen_by(request.user, pending.user)},
        )
    return redirect("communities:requests", community.pk)


@require_POST
def refuse_request(request, community_id: int, membership_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    pending = access.get_pending_request(community, membership_id)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_join_request(request.user, pending, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
    if form.errors:
        applicants = _applicants(request.user, membership, community)
        return render(
            request,
            "communities/requests.html",
            _page_context(
                community,
                membership,
                pending=applicants,
                refusal_form=form,
                map_context=_applicants_map(community, applicants),
                refused_id=pending.pk,
            ),
            status=400,
        )
    messages.success(request, _("La demande est refusée ; le motif a été transmis."))
    return redirect("communities:requests", community.pk)


def referents(request, community_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    members = privacy.name_memberships(
        privacy.Viewpoint.of(request.user, membership),
        Membership.objects.active()
        .filter(community=community)
        .select_related("user")
        .order_by("-is_referent", "directory_name", "pk"),
    )
    return render(
        request, "communities/referents.html", _page_context(community, membership, members=members)
    )


@require_POST
def change_referent(request, community_id: int, user_id: int, action: str):
    community, _membership = access.get_community_for_referent(request.user, community_id)
    target = None
    try:
        if action == "me-retirer":
            services.resign_referent(request.user)
            messages.success(request, _("Vous n'êtes plus référent."))
            return redirect("communities:info", community.pk)
        _member, target = access.get_member_of(community, user_id)
        if action == "nommer":
            services.make_referent(request.user, target)
            messages.success(
                request,
                _("%(name)s est maintenant référent.")
                % {"name": privacy.name_seen_by(request.user, target.user)},
            )
        elif action == "retirer":
            services.remove_referent(request.user, target)
            messages.success(
                request,
                _("%(name)s n'est plus référent.")
                % {"name": privacy.name_seen_by(request.user, target.user)},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("communities:referents", community.pk)


def request_exclusion(request, community_id: int, user_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    member, target = access.get_member_of(community, user_id)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_exclusion(request.user, target, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(
                request, _("Votre demande est transmise à l'équipe MonQuartier, qui vous répondra.")
            )
            return redirect("communities:member", community.pk, member.pk)
    return render(
        request,
        "communities/exclusion.html",
        _page_context(
            community,
            membership,
            member=member,
            member_name=privacy.Viewpoint.of(request.user, membership).name_of(
                member, privacy.Ties.of(target)
            ),
            form=form,
        ),
    )


def boundary(request, community_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    form = BoundaryForm(
        request.POST or None,
        initial={"name": community.name, "area": geometry.polygon_from_geojson(community.area)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_boundary(
                request.user,
                community,
                form.cleaned_data["area"],
                name=form.cleaned_data["name"],
                leave_outside=form.cleaned_data["leave_outside"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("La délimitation est enregistrée."))
            return redirect("communities:info", community.pk)
    neighbours = lookups.communities_near(
        geometry.polygon_from_geojson(community.area), within_m=NEARBY_METRES, exclude=community
    )
    homes = Home.objects.filter(
        user__memberships__community=community, user__memberships__status=MembershipStatus.ACTIVE
    )
    return render(
        request,
        "communities/boundary.html",
        _page_context(
            community,
            membership,
            form=form,
            editor_context={
                "home": None,
                "centre": [community.centre_latitude, community.centre_longitude],
                "max_area": None if community.rural_exemption else geometry.MAX_AREA_M2,
                "neighbours": [
                    {"name": other.name, "area": other.area} for other, _d in neighbours
                ],
                "pins": [[home.latitude, home.longitude] for home in homes],
            },
        ),
    )


def community_settings(request, community_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    form = CommunitySettingsForm(
        request.POST or None,
        initial={
            "validation_mode": community.validation_mode,
            "public_page": community.public_page,
            "presentation": community.presentation,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_community_settings(request.user, community, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Les réglages sont enregistrés."))
            return redirect("communities:settings", community.pk)
    return render(
        request, "communities/settings.html", _page_context(community, membership, form=form)
    )


def twinnings(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    links = (
        Twinning.objects.involving(community)
        .filter(status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE])
        .select_related("requester", "partner")
        .order_by("-requested_at")
    )
    is_referent = bool(membership and membership.is_referent)
    form = None
    if is_referent:
        linked = {link.other_side(community).pk for link in links}
        nearby = [
            (other, distance)
            for other, distance in lookups.communities_near(
                geometry.polygon_from_geojson(community.area),
                within_m=geometry.TWINNING_MAX_DISTANCE_M,
                exclude=community,
            )
            if other.pk not in linked
        ]
        form = TwinningRequestForm(request.POST or None, nearby=nearby)
        if request.method == "POST" and form.is_valid():
            try:
                services.request_twinning(request.user, community, form.cleaned_data["partner"])
            except ValidationError as error:
                form.add_error("partner", error)
            else:
                messages.success(
                    request,
                    _("La demande de jumelage est envoyée aux référents de l'autre communauté."),
                )
                return redirect("communities:twinnings", community.pk)
    areas = [_area_entry(community, highlight=True)] + [
        _area_entry(link.other_side(community)) for link in links
    ]
    return render(
        request,
        "communities/twinnings.html",
        _page_context(
            community, membership, links=links, form=form, map_context=_area_context(areas)
        ),
    )


def twinning_action(request, community_id: int, twinning_id: int, action: str):
    """Accept, refuse or end a twinning. Ending asks first: a page that says what stops,
    with a button that confirms (no JavaScript needed)."""
    ending = action == "terminer"
    if request.method != "POST" and not ending:
        return HttpResponseNotAllowed(["POST"])
    community, membership = access.get_community_for_referent(request.user, community_id)
    twinning = get_object_or_404(
        Twinning.objects.filter(Q(requester=community) | Q(partner=community)).select_related(
            "requester", "partner"
        ),
        pk=twinning_id,
    )
    actions = {
        "accepter": (services.accept_twinning, _("Le jumelage est actif.")),
        "refuser": (services.decline_twinning, _("La demande de jumelage est refusée.")),
        "terminer": (services.end_twinning, _("Le jumelage est terminé.")),
    }
    if action not in actions:
        return redirect("communities:twinnings", community.pk)
    if ending and request.POST.get("confirm") != "1":
        if twinning.status not in (TwinningStatus.REQUESTED, TwinningStatus.ACTIVE):
            return redirect("communities:twinnings", community.pk)
        return render(
            request,
            "communities/twinning_end.html",
            _page_context(
                community, membership, twinning=twinning, other=twinning.other_side(community)
            ),
        )
    service, done = actions[action]
    try:
        service(request.user, twinning)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("communities:twinnings", community.pk)


def register_neighbour(request, community_id: int):
    community, membership = access.get_community_for_referent(request.user, community_id)
    form = NeighbourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "confirm"}
        try:
            neighbour = services.register_neighbour(request.user, community, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s est inscrit. Un SMS lui demande son accord : il recevra les alertes après avoir répondu OUI."
                )
                % {"name": privacy.name_seen_by(request.user, neighbour)},
            )
            return redirect("communities:directory", community.pk)
    return render(
        request,
        "communities/register_neighbour.html",
        _page_context(
            community,
            membership,
            form=form,
            opens_at=community.registers_neighbours_from
            if community.registers_neighbours_from > timezone.now()
            else None,
            map_context=_area_context(
                [_area_entry(community, highlight=True)],
                centre=[community.centre_latitude, community.centre_longitude],
            ),
        ),
    )
