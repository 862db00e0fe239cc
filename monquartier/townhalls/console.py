"""The console's pages about the commune's communities: the home (map, list, this
month), a community's page (and writing to its référents), the validation mode and the
requests the town hall validates itself, twin all."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from monquartier.communities import services
from monquartier.communities.models import Membership, ValidationMode
from monquartier.townhalls import bulk_twinning, twinning, validation
from monquartier.townhalls.access import (
    AgentRequest,
    agent_page,
    agent_required,
    communities_of,
    grown_since,
    referents_by_community,
    with_counts,
)
from monquartier.townhalls.models import TownHallValidation
from monquartier.townhalls.referent_messages import MESSAGE_MAX_LENGTH, write_to_referents


class ReferentMessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Votre message aux référents"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=gettext_lazy(
            "Ils le reçoivent comme une notification de la mairie, sans votre adresse e-mail."
        ),
        error_messages={"required": gettext_lazy("Écrivez votre message.")},
    )


class ValidationForm(forms.Form):
    validation = forms.ChoiceField(
        label=gettext_lazy(
            "Qui valide les demandes d'adhésion dans les communautés de la commune ?"
        ),
        choices=TownHallValidation.choices,
        widget=forms.RadioSelect,
    )


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": gettext_lazy("Indiquez le motif du refus : il sera montré à la personne.")
        },
    )


# A dense commune has thousands of pairs: the table shows the nearest, the totals count all.
PAIRS_SHOWN = 200
# The console's list of communities, a page at a time; this month's news, the first few.
COMMUNITIES_PER_PAGE = 50
NEWS_SHOWN = 20


def _month_start():
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _area_entry(community, *, highlight: bool = False) -> dict:
    return {
        "id": community.pk,
        "name": community.name,
        "area": community.area,
        "url": reverse("townhalls:community", args=[community.pk]),
        "highlight": highlight,
    }


@agent_page
def console(request: AgentRequest):
    """The console's home: the map (its areas come from console_map), this month's news,
    the communities a page at a time, searchable by name. The same queries whatever the
    number of communities."""
    town_hall = request.town_hall
    month_start = _month_start()
    search = request.GET.get("q", "").strip()[:80]
    listed = communities_of(town_hall)
    if search:
        listed = listed.filter(name__icontains=search)
    # The paginator counts the plain list; the page's rows get their counts.
    page = Paginator(
        with_counts(listed.only("id", "name", "created_at"), month_start).order_by("name", "pk"),
        COMMUNITIES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    communities = list(page.object_list)
    referents = referents_by_community(request.user, [community.pk for community in communities])
    for community in communities:
        community.referents = referents.get(community.pk, [])
    created = list(
        communities_of(town_hall)
        .filter(created_at__gte=month_start)
        .order_by("-created_at", "pk")
        .only("id", "name", "created_at")[: NEWS_SHOWN + 1]
    )
    grown = grown_since(town_hall, month_start, NEWS_SHOWN + 1)
    pending = (
        Membership.objects.pending()
        .filter(
            community__commune_id=town_hall.commune_id,
            community__validation_mode=ValidationMode.TOWN_HALL,
        )
        .count()
        if town_hall.validation == TownHallValidation.TOWN_HALL
        else 0
    )
    return render(
        request,
        "townhalls/console.html",
        {
            "town_hall": town_hall,
            "agent": request.agent,
            "page": page,
            "communities": communities,
            "community_total": communities_of(town_hall).count()
            if search
            else page.paginator.count,
            "search": search,
            "created_this_month": created[:NEWS_SHOWN],
            "more_created": len(created) > NEWS_SHOWN,
            "grown_this_month": grown[:NEWS_SHOWN],
            "more_grown": len(grown) > NEWS_SHOWN,
            "pending_count": pending,
        },
    )


@agent_required
def console_map(request: AgentRequest):
    """Every area of the commune, as JSON, for the console's map: read by the page's
    script, cached by the browser and answered 304 while no community has changed."""
    communities = communities_of(request.town_hall)
    latest = communities.aggregate(changed=Max("updated_at"), count=Count("pk"))
    tag = f'"{request.town_hall.pk}-{latest["count"]}-{latest["changed"].timestamp() if latest["changed"] else 0}"'
    response: HttpResponse
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponseNotModified()
    else:
        areas = [
            _area_entry(community)
            for community in communities.only("id", "name", "area").order_by("name", "pk")
        ]
        response = JsonResponse({"areas": areas, "pins": [], "centre": None})
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@agent_required
def community(request: AgentRequest, community_id: int):
    town_hall = request.town_hall
    the_community = get_object_or_404(
        communities_of(town_hall).with_member_count(), pk=community_id
    )
    form = ReferentMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = write_to_referents(
                request.agent.user, town_hall, the_community, form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Votre message est transmis à %(count)s référent.",
                    "Votre message est transmis à %(count)s référents.",
                    count,
                )
                % {"count": count},
            )
            return redirect("townhalls:community", the_community.pk)
    return render(
        request,
        "townhalls/console_community.html",
        {
            "town_hall": town_hall,
            "community": the_community,
            "referents": referents_by_community(request.user, [the_community]).get(
                the_community.pk, []
            ),
            "form": form,
            "map_context": {
                "areas": [_area_entry(the_community, highlight=True)],
                "pins": [],
                "centre": None,
            },
        },
        status=400 if form.errors else 200,
    )


@agent_required
def validation_settings(request: AgentRequest):
    town_hall = request.town_hall
    form = ValidationForm(request.POST or None, initial={"validation": town_hall.validation})
    if request.method == "POST" and form.is_valid():
        try:
            validation.set_validation(town_hall, form.cleaned_data["validation"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Le mode de validation s'applique maintenant à toutes les communautés de la commune."
                ),
            )
            return redirect("townhalls:validation")
    return render(
        request,
        "townhalls/settings.html",
        {"town_hall": town_hall, "form": form},
        status=400 if form.errors else 200,
    )


def _requests_page(request: AgentRequest, *, refusal_form=None, refused_id=None, status=200):
    return render(
        request,
        "townhalls/console_requests.html",
        {
            "town_hall": request.town_hall,
            "validates": request.town_hall.validation == TownHallValidation.TOWN_HALL,
            "pending": validation.pending_requests(request.town_hall),
            "refusal_form": refusal_form or RefusalForm(),
            "refused_id": refused_id,
        },
        status=status,
    )


@agent_required
def join_requests(request: AgentRequest):
    return _requests_page(request)


def _pending_or_404(request: AgentRequest, membership_id: int) -> Membership:
    membership = validation.pending_request_for(request.town_hall, membership_id)
    if membership is None:
        raise Http404
    return membership


@require_POST
@agent_required
def accept_request(request: AgentRequest, membership_id: int):
    membership = _pending_or_404(request, membership_id)
    try:
        services.accept_join_request(request.agent.user, membership)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            # No name: once accepted, the applicant is a member the town hall sees by
            # pseudonym only.
            _("La demande est acceptée : un nouveau membre rejoint « %(community)s ».")
            % {"community": membership.community.name},
        )
    return redirect("townhalls:requests")


@require_POST
@agent_required
def refuse_request(request: AgentRequest, membership_id: int):
    membership = _pending_or_404(request, membership_id)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_join_request(
                request.agent.user, membership, form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
    if form.errors:
        return _requests_page(request, refusal_form=form, refused_id=membership.pk, status=400)
    messages.success(request, _("La demande est refusée ; le motif a été transmis."))
    return redirect("townhalls:requests")


@agent_required
def twin_all(request: AgentRequest):
    """The preview: what twinning all, or ending all, would do. The buttons post; while
    a task twins or unties them, the page says so and offers no button."""
    pairs = twinning.pairs_to_twin(request.town_hall)
    to_end = twinning.twinnings_to_end(request.town_hall)
    pairs_members, pairs_communities = twinning.members_reached(pairs)
    end_members, end_communities = twinning.members_reached(to_end)
    return render(
        request,
        "townhalls/twin_all.html",
        {
            "town_hall": request.town_hall,
            "running_since": bulk_twinning.running_since(request.town_hall),
            "pairs": pairs,
            "pairs_shown": pairs[:PAIRS_SHOWN],
            "pairs_members": pairs_members,
            "pairs_communities": pairs_communities,
            "to_end": to_end,
            "to_end_shown": to_end[:PAIRS_SHOWN],
            "to_end_members": end_members,
            "to_end_communities": end_communities,
        },
    )


def _start_bulk(request: AgentRequest, *, end: bool):
    if bulk_twinning.start(request.agent.user, request.town_hall, end=end):
        messages.success(
            request,
            _(
                "C'est parti : les jumelages se terminent un par un et les référents de chaque "
                "communauté sont prévenus une fois. Revenez sur cette page pour voir où en est le travail."
            )
            if end
            else _(
                "C'est parti : les jumelages se créent un par un et les référents de chaque "
                "communauté sont prévenus une fois. Revenez sur cette page pour voir où en est le travail."
            ),
        )
    else:
        messages.info(
            request,
            _("Un jumelage de toutes les communautés est déjà en cours : attendez qu'il finisse."),
        )
    return redirect("townhalls:twin_all")


@require_POST
@agent_required
def twin_all_confirm(request: AgentRequest):
    return _start_bulk(request, end=False)


@require_POST
@agent_required
def end_all_confirm(request: AgentRequest):
    return _start_bulk(request, end=True)
