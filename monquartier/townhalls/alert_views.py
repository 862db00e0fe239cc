"""The console's alerts (/mairie/alertes/): every alert of the commune, live, on a list and
a map; one alert's page, where an agent says the town hall has seen it; and the agent's
own choice of receiving alerts by SMS.

Agents see the sender's real name (as everyone who receives an alert does) and nothing
else of any member.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.alerts import escalation
from monquartier.alerts import services as alert_services
from monquartier.alerts.maps import place_map
from monquartier.alerts.models import Alert
from monquartier.communities import privacy
from monquartier.core import pagecache
from monquartier.outbox.models import SMSOptOut
from monquartier.townhalls.access import (
    AgentRequest,
    agent_required,
    alert_for,
    commune_alerts,
    communities_of,
    filter_alerts,
)
from monquartier.townhalls.forms import AgentSettingsForm, AlertFilterForm
from monquartier.townhalls.models import Agent

ALERTS_PER_PAGE = 20
# The map shows the newest alerts that have a place, up to this many.
MAP_ALERTS = 200
# How often the list refreshes itself (htmx), in seconds.
REFRESH_SECONDS = 25


def _filtered(request: AgentRequest, *, warn: bool):
    """The commune's alerts, filtered by what is valid in the query string. The full
    page says which filters were dropped; the refreshing fragment stays quiet."""
    communities = communities_of(request.town_hall).order_by("name")
    form = AlertFilterForm(request.GET or None, communities=communities)
    alerts = commune_alerts(request.town_hall)
    if not form.is_bound:
        return form, alerts
    form.is_valid()
    if form.errors and warn:
        messages.warning(
            request,
            _("Filtre ignoré : %(fields)s.")
            % {"fields": ", ".join(str(form.fields[name].label) for name in form.errors)},
        )
    return form, filter_alerts(alerts, form.cleaned_data)


def _list_context(request: AgentRequest, form, alerts) -> dict:
    page = Paginator(
        alerts.select_related("community", "sender").defer("sender__mobile", "sender__landline"),
        ALERTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    query = request.GET.urlencode()
    refresh_url = reverse("townhalls:alerts_fragment") + (f"?{query}" if query else "")
    return {
        "town_hall": request.town_hall,
        "form": form,
        "page": page,
        "refresh_url": refresh_url,
        "refresh_seconds": REFRESH_SECONDS,
    }


def _map_context(alerts) -> dict:
    places = alerts.filter(latitude__isnull=False).values_list(
        "pk", "latitude", "longitude", "category", "community__name"
    )[:MAP_ALERTS]
    labels = dict(Alert._meta.get_field("category").flatchoices)
    pins = [
        {"lat": lat, "lng": lng, "label": f"{labels.get(category, category)} · {community}"}
        for _pk, lat, lng, category, community in places
    ]
    return {"areas": [], "pins": pins, "centre": [pins[0]["lat"], pins[0]["lng"]] if pins else None}


@agent_required
def alert_list(request: AgentRequest):
    form, alerts = _filtered(request, warn=True)
    context = _list_context(request, form, alerts)
    context["alert_map"] = _map_context(alerts)
    return render(request, "townhalls/alerts.html", context)


@agent_required
def alert_list_fragment(request: AgentRequest):
    form, alerts = _filtered(request, warn=False)
    return render(request, "townhalls/alerts_list.html", _list_context(request, form, alerts))


@agent_required
def alert_detail(request: AgentRequest, alert_id: int):
    alert = alert_for(request.town_hall, alert_id)
    seen_by = privacy.colleague_name(alert.town_hall_seen_by) if alert.town_hall_seen_by else None
    context = {
        "town_hall": request.town_hall,
        "alert": alert,
        "seen_by": seen_by,
        "progress": alert_services.progress(alert),
        # Who was told when nobody said "j'ai vu" in time (the référents by the name the
        # agent may see: their public name).
        "escalation": escalation.shown(alert, request.user),
        "alert_map": place_map(alert),
    }
    return render(request, "townhalls/alert_detail.html", context)


@require_POST
@agent_required
def acknowledge(request: AgentRequest, alert_id: int):
    alert = alert_for(request.town_hall, alert_id)
    if alert_services.mark_seen_by_town_hall(alert, request.agent.user):
        messages.success(request, _("L'alerte est marquée « vue par la mairie »."))
    else:
        messages.info(request, _("La mairie avait déjà vu cette alerte."))
    return redirect("townhalls:alert", alert.pk)


@agent_required
def agent_settings(request: AgentRequest):
    agent, user = request.agent, request.agent.user
    form = AgentSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"receives_alert_sms": agent.receives_alert_sms},
    )
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["receives_alert_sms"]
        if wanted and not (user.mobile and user.mobile_verified):
            form.add_error(
                "receives_alert_sms",
                _(
                    "Vérifiez d'abord votre numéro de mobile dans votre compte : les SMS partent vers lui."
                ),
            )
        else:
            Agent.objects.filter(pk=agent.pk).update(
                receives_alert_sms=wanted, alert_sms_stopped=False
            )
            pagecache.bump(pagecache.user(user.pk))
            messages.success(
                request,
                _("Vous recevrez aussi les alertes par SMS.")
                if wanted
                else _("Vous ne recevrez plus les alertes par SMS."),
            )
            return redirect("townhalls:settings")
    context = {
        "town_hall": request.town_hall,
        "form": form,
        "mobile_ready": bool(user.mobile and user.mobile_verified),
        # STOP sent from the agent's number holds whatever is chosen here: say so.
        "number_stopped": bool(user.mobile) and SMSOptOut.objects.covers(str(user.mobile)),
    }
    return render(
        request, "townhalls/alerts_settings.html", context, status=400 if form.errors else 200
    )
