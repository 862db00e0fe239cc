"""Twinnings, for référents: asking, accepting, declining, ending."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from monquartier.communities import access, geometry, lookups, services
from monquartier.communities.forms import TwinningRequestForm
from monquartier.communities.models import (
    Twinning,
    TwinningStatus,
)
from monquartier.communities.views._common import _area_context, _area_entry, _page_context


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
