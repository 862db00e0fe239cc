"""The partner town hall's console (/mairie/…): its agents, invitations (the home and the
communities' pages: console.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.communities import privacy
from monquartier.townhalls import agents as agent_services
from monquartier.townhalls.access import (
    AgentRequest,
    agent_for,
    manager_required,
)
from monquartier.townhalls.forms import AcceptInvitationForm, InviteAgentForm
from monquartier.townhalls.models import Agent, AgentInvitation


@manager_required
def agent_list(request: AgentRequest):
    town_hall = request.town_hall
    form = InviteAgentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agent_services.invite_agent(
                request.agent.user,
                town_hall,
                form.cleaned_data["email"],
                can_manage_agents=form.cleaned_data["can_manage_agents"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("townhalls:agents")
    context = {
        "town_hall": town_hall,
        "form": form,
        "agents": Agent.objects.filter(town_hall=town_hall)
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
        "invitations": [
            invitation
            for invitation in AgentInvitation.objects.filter(
                town_hall=town_hall, accepted_at__isnull=True, cancelled_at__isnull=True
            ).order_by("-created_at")
            if invitation.is_open
        ],
    }
    status = 400 if form.errors else 200
    return render(request, "townhalls/agents.html", context, status=status)


@require_POST
@manager_required
def remove_agent(request: AgentRequest, agent_id: int):
    agent = agent_for(request.town_hall, agent_id)
    try:
        agent_services.remove_agent(request.agent.user, agent)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("%(name)s n'est plus agent de la mairie.")
            % {"name": privacy.colleague_name(agent.user)},
        )
    return redirect("townhalls:agents")


@require_POST
@manager_required
def cancel_invitation(request: AgentRequest, invitation_id: int):
    invitation = AgentInvitation.objects.filter(
        town_hall=request.town_hall, pk=invitation_id
    ).first()
    if invitation is not None:
        agent_services.cancel_invitation(request.agent.user, invitation)
        messages.success(request, _("Invitation annulée."))
    return redirect("townhalls:agents")


@login_not_required
def invitation(request, token: str):
    """The invited person creates their agent account; the log-in that follows asks them
    to set up their second factor (accounts' SecondFactorMiddleware)."""
    invitation = agent_services.open_invitation(token)
    if invitation is None:
        return render(request, "townhalls/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        return render(
            request, "townhalls/invitation.html", {"invitation": invitation, "signed_in": True}
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = agent_services.accept_invitation(token, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                form.add_error(None, error.messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Votre compte d'agent est créé. Protégez-le maintenant par un second facteur."),
            )
            return redirect("townhalls:console")
    status = 400 if form.errors else 200
    return render(
        request,
        "townhalls/invitation.html",
        {"invitation": invitation, "form": form},
        status=status,
    )
