"""Join requests, for référents: the list, the map of applicants, accept and refuse."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.communities import access, commune_rules, privacy, services
from monquartier.communities.forms import RefusalForm
from monquartier.communities.models import Membership
from monquartier.communities.views._common import _area_context, _area_entry, _page_context


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
            validation_mode=commune_rules.effective_mode(community),
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
                validation_mode=commune_rules.effective_mode(community),
            ),
            status=400,
        )
    messages.success(request, _("La demande est refusée ; le motif a été transmis."))
    return redirect("communities:requests", community.pk)
