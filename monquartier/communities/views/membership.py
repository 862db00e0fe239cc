"""The member's own community: finding, joining, creating and leaving one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from shapely.geometry import Point

from monquartier.communities import access, geometry, lookups, proposals, services
from monquartier.communities.forms import CreateCommunityForm
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
)
from monquartier.communities.views._common import NEARBY_METRES, _area_context, _area_entry, _home


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
    proposed = _proposed(request, membership, containing)
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
            "proposed": proposed,
            "invited_here": containing is not None
            and proposals.proposed_id(request.session) == containing.pk,
            "map_context": _area_context(
                areas,
                [{"lat": home.latitude, "lng": home.longitude, "label": _("Mon domicile")}],
                [home.latitude, home.longitude],
            ),
        },
    )


def _proposed(request, membership, containing) -> Community | None:
    """The community an invitation proposed (communities/proposals.py), when it is not the
    one the page already offers: the page then says the home is outside it."""
    proposed_id = proposals.proposed_id(request.session)
    if proposed_id is None:
        return None
    if membership or (containing is not None and containing.pk == proposed_id):
        if membership:
            proposals.forget(request.session)
        return None
    return Community.objects.filter(pk=proposed_id).first()


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
        {
            "community": membership.community,
            "membership": membership,
            "emptied": Membership.objects.community_left_empty_by(request.user),
        },
    )
