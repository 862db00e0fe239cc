"""The staff pages of the operations (behind the admin's staff check and the second
factor every staff page asks for: accounts' SecondFactorMiddleware). Thin: the
services decide."""

from datetime import date, timedelta

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.alerts.models import Alert
from monquartier.communities import geometry, lookups
from monquartier.communities.models import Community
from monquartier.core.parsing import parse_id
from monquartier.staffops import costs, services
from monquartier.staffops.forms import (
    AreaForm,
    GrantExemptionForm,
    MergeForm,
    RemoveExemptionForm,
)
from monquartier.staffops.outline import outline


def _admin_context(request, title: str) -> dict:
    # The admin's frame (header, breadcrumbs, styles): the staff pages look like the queues.
    return {**admin.site.each_context(request), "title": title}


def _chosen_ids(values: list[str]) -> list[int]:
    """The communities chosen, from ?c=1&c=2 (or 1,2): ids only, a handful at most."""
    ids: list[int] = []
    for value in values[: services.MAX_MERGED + 1]:
        for part in value.split(",")[: services.MAX_MERGED + 1]:
            part = part.strip()
            if not (part.isdigit() and len(part) < 19):
                raise Http404
            ids.append(int(part))
    return list(dict.fromkeys(ids))


def _polygon(community: Community):
    return geometry.polygon_from_geojson(community.area)


def merge(request):
    ids = _chosen_ids(
        request.POST.getlist("c") if request.method == "POST" else request.GET.getlist("c")
    )
    if len(ids) > services.MAX_MERGED:
        messages.error(
            request,
            _("On réunit %(max)s communautés au plus à la fois.") % {"max": services.MAX_MERGED},
        )
        return redirect("admin:communities_community_changelist")
    communities = list(Community.objects.filter(pk__in=ids).select_related("commune"))
    if len(communities) != len(ids) or len(ids) < 2:
        messages.error(
            request,
            _("Cochez au moins deux communautés dans la liste, puis choisissez « Réunir »."),
        )
        return redirect("admin:communities_community_changelist")
    communities.sort(key=lambda community: ids.index(community.pk))
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        initial={"keep": communities[0].pk},
    )
    by_id = {community.pk: community for community in communities}
    keep = by_id[communities[0].pk]
    if request.method == "POST" and form.is_valid():
        keep = by_id[form.cleaned_data["keep"]]
        try:
            united = services.merge_communities(
                request.user,
                communities,
                keep,
                agreement=form.cleaned_data["agreement"],
                note=form.cleaned_data["note"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Les communautés sont réunies dans « %(name)s » ; leurs membres sont prévenus.")
                % {"name": united.name},
            )
            return redirect("admin:communities_community_change", united.pk)
    elif request.method == "POST" and "keep" in form.cleaned_data:
        keep = by_id[form.cleaned_data["keep"]]
    plan = services.plan_merge(communities, keep)
    shapes = [(community.name, _polygon(community)) for community in communities]
    if plan.polygon is not None:
        shapes.append((_("zone réunie"), plan.polygon))
    return render(
        request,
        "staffops/merge.html",
        {
            **_admin_context(request, _("Réunir des communautés")),
            "form": form,
            "plan": plan,
            "communities": communities,
            "outline": outline(shapes),
            "referents": _referent_names(plan.referent_ids),
        },
    )


def _referent_names(user_ids: list[int]) -> list[str]:
    users = User.objects.filter(pk__in=user_ids).order_by("last_name", "first_name")
    return [f"{user.first_name} {user.last_name}".strip() or user.email or "" for user in users]


def change_area(request, community_id: int):
    community = get_object_or_404(Community.objects.select_related("commune"), pk=community_id)
    # The current area, as the GeoJSON text AreaField writes for a polygon.
    form = AreaForm(request.POST or None, initial={"area": _polygon(community)})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_area(
                request.user,
                community,
                form.cleaned_data["area"],
                reason=form.cleaned_data["reason"],
                leave_outside=form.cleaned_data["leave_outside"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Le périmètre est enregistré ; les référents sont prévenus.")
            )
            return redirect("admin:communities_community_change", community.pk)
    polygon = _polygon(community)
    overlapping = lookups.communities_overlapping(polygon, exclude=community)
    neighbours = lookups.communities_near(polygon, within_m=300, exclude=community)
    shapes = [(community.name, polygon)] + [
        (other.name, _polygon(other)) for other, _distance in neighbours[:6]
    ]
    return render(
        request,
        "staffops/area.html",
        {
            **_admin_context(
                request, _("Modifier le périmètre de « %(name)s »") % {"name": community.name}
            ),
            "community": community,
            "form": form,
            "overlapping": overlapping,
            "neighbours": neighbours[:6],
            "outline": outline(shapes),
            "max_area_km2": geometry.MAX_AREA_M2 / 1_000_000,
        },
    )


def rural_exemption(request, community_id: int):
    community = get_object_or_404(Community.objects.select_related("commune"), pk=community_id)
    operation = request.POST.get("operation") if request.method == "POST" else None
    grant_form = GrantExemptionForm(request.POST if operation == "grant" else None, prefix="grant")
    remove_form = RemoveExemptionForm(
        request.POST if operation == "remove" else None, prefix="remove"
    )
    try:
        if operation == "grant" and grant_form.is_valid():
            services.grant_rural_exemption(
                request.user,
                community,
                max_area_km2=grant_form.cleaned_data["max_area_km2"],
                reason=grant_form.cleaned_data["reason"],
            )
            messages.success(
                request, _("Dérogation rurale accordée ; les référents sont prévenus.")
            )
            return redirect("admin:communities_community_change", community.pk)
        if operation == "remove" and remove_form.is_valid():
            services.remove_rural_exemption(
                request.user, community, reason=remove_form.cleaned_data["reason"]
            )
            messages.success(request, _("Dérogation rurale retirée ; les référents sont prévenus."))
            return redirect("admin:communities_community_change", community.pk)
    except ValidationError as error:
        (grant_form if operation == "grant" else remove_form).add_error(None, error)
    community.refresh_from_db()
    return render(
        request,
        "staffops/rural_exemption.html",
        {
            **_admin_context(
                request, _("Dérogation rurale de « %(name)s »") % {"name": community.name}
            ),
            "community": community,
            "grant_form": grant_form,
            "remove_form": remove_form,
            "area_km2": community.area_m2 / 1_000_000,
            "max_km2": (community.rural_max_area_m2 or 0) / 1_000_000,
        },
    )


def _month(value: str | None):
    """The month of ?mois=2026-12, this month without one; None for anything else."""
    today = timezone.localdate()
    if not value:
        return today.replace(day=1)
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2020 <= year <= today.year + 1 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def sms_costs(request):
    if "alerte" in request.GET:
        alert_id = parse_id(request.GET["alerte"].strip().lstrip("#n°"))
        if alert_id is not None and Alert.objects.filter(pk=alert_id).exists():
            return redirect("staffops:alert_costs", alert_id)
        messages.error(request, _("Aucune alerte ne porte ce numéro."))
    month = _month(request.GET.get("mois"))
    if month is None:
        messages.error(request, _("Mois inconnu : écrivez-le comme 2026-12."))
        month = timezone.localdate().replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    context = _admin_context(request, _("Coût des SMS et des appels"))
    context.update(
        report=costs.month_report(month),
        previous=previous,
        following=following if following <= timezone.localdate() else None,
    )
    return render(request, "staffops/sms_costs.html", context)


def alert_costs(request, alert_id: int):
    alert = get_object_or_404(Alert.objects.select_related("community"), pk=alert_id)
    context = _admin_context(request, _("Coût de l'alerte n° %(id)s") % {"id": alert.pk})
    context.update(costs=costs.alert_costs(alert))
    return render(request, "staffops/alert_costs.html", context)
