"""The community's area and settings, for référents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from monquartier.accounts.models import Home
from monquartier.communities import access, commune_rules, geometry, lookups, services
from monquartier.communities.forms import (
    BoundaryForm,
    CommunitySettingsForm,
)
from monquartier.communities.models import MembershipStatus
from monquartier.communities.views._common import NEARBY_METRES, _page_context


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
                # A rural exemption's own maximum (None: no maximum but the span).
                "max_area": (
                    community.rural_max_area_m2
                    if community.rural_exemption
                    else geometry.MAX_AREA_M2
                ),
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
            "acknowledgement_minutes": community.acknowledgement_minutes,
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
        request,
        "communities/settings.html",
        _page_context(
            community,
            membership,
            form=form,
            mode_set_by_commune=commune_rules.commune_mode(community.commune_id) is not None,
        ),
        status=400 if form.errors else 200,
    )
