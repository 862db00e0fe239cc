"""Référents: naming and removing them, registering neighbours."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.communities import access, privacy, services
from monquartier.communities.forms import NeighbourForm
from monquartier.communities.models import Membership
from monquartier.communities.views._common import _area_context, _area_entry, _page_context


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
