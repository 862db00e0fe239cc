"""The console's police contacts (/mairie/police/): the stations the town hall links with
its communities, added, changed and switched off by its agents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.accounts.phones import format_for_display
from monquartier.alerts.models import AlertCategory
from monquartier.townhalls import police as police_services
from monquartier.townhalls.access import AgentRequest, agent_required, communities_of
from monquartier.townhalls.forms_police import PoliceContactForm


def _form(request: AgentRequest, **kwargs) -> PoliceContactForm:
    return PoliceContactForm(
        request.POST if request.method == "POST" else None,
        communities=communities_of(request.town_hall).order_by("name"),
        **kwargs,
    )


def _save(request: AgentRequest, form: PoliceContactForm, contact=None):
    """The saved contact, or None with the service's errors on the form."""
    if not form.is_valid():
        return None
    try:
        return police_services.save_police_contact(
            request.town_hall, **form.cleaned_data, contact=contact
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@agent_required
def police_list(request: AgentRequest):
    form = _form(request)
    if request.method == "POST":
        contact = _save(request, form)
        if contact is not None:
            messages.success(
                request,
                _("« %(station)s » recevra les alertes de la commune.")
                % {"station": contact.station},
            )
            return redirect("townhalls:police")
    labels = dict(AlertCategory.choices)
    contacts = [
        (
            contact,
            format_for_display(contact.mobile),
            [labels.get(category, category) for category in contact.muted_categories],
        )
        for contact in police_services.police_of(request.town_hall)
    ]
    context = {"town_hall": request.town_hall, "form": form, "contacts": contacts}
    return render(request, "townhalls/police.html", context, status=400 if form.errors else 200)


@agent_required
def police_edit(request: AgentRequest, police_id: int):
    contact = police_services.police_for(request.town_hall, police_id)
    form = _form(
        request,
        initial={
            "station": contact.station,
            "email": contact.email,
            "mobile": str(contact.mobile or ""),
            "communities": list(contact.communities.all()),
            "muted_categories": contact.muted_categories,
        },
    )
    if request.method == "POST" and _save(request, form, contact) is not None:
        messages.success(request, _("Contact enregistré."))
        return redirect("townhalls:police")
    context = {"town_hall": request.town_hall, "form": form, "contact": contact}
    return render(
        request, "townhalls/police_edit.html", context, status=400 if form.errors else 200
    )


@require_POST
@agent_required
def police_set_active(request: AgentRequest, police_id: int, active: bool):
    contact = police_services.police_for(request.town_hall, police_id)
    police_services.set_active(contact, active)
    messages.success(
        request,
        (
            _("« %(station)s » reçoit de nouveau les alertes.")
            if active
            else _("« %(station)s » ne reçoit plus les alertes.")
        )
        % {"station": contact.station},
    )
    return redirect("townhalls:police")
