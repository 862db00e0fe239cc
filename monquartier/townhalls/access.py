"""Who may open the town-hall console, and the permission-checked fetchers it uses.

Every console view takes the agent from `agent_required`: a member, a visitor or staff
gets 404 (the console does not exist for them); an agent whose partnership ended gets a
page that says so. A fetcher returns only objects of the agent's own commune: an agent
of Cocody asking for anything of Yopougon gets 404.
"""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from monquartier.communities.models import Community
from monquartier.townhalls.models import Agent, TownHall


class AgentRequest(HttpRequest):
    agent: Agent
    town_hall: TownHall


def agent_of(user) -> Agent | None:
    if not (user.is_authenticated and user.is_town_hall_agent):
        return None
    return (
        Agent.objects.select_related("town_hall", "town_hall__commune", "user")
        .filter(user=user)
        .first()
    )


def agent_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        agent = agent_of(request.user)
        if agent is None:
            raise Http404
        if not agent.town_hall.is_partner:
            return render(
                request,
                "townhalls/partnership_ended.html",
                {"town_hall": agent.town_hall},
                status=403,
            )
        request.agent = agent  # type: ignore[attr-defined]
        request.town_hall = agent.town_hall  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view: Callable) -> Callable:
    """An agent allowed to invite and remove the town hall's agents."""

    @wraps(view)
    @agent_required
    def wrapper(request: AgentRequest, *args, **kwargs) -> HttpResponse:
        if not request.agent.can_manage_agents:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def communities_of(town_hall: TownHall):
    return Community.objects.filter(commune_id=town_hall.commune_id)


def community_for(town_hall: TownHall, community_id: int) -> Community:
    return get_object_or_404(communities_of(town_hall), pk=community_id)


def agent_for(town_hall: TownHall, agent_id: int) -> Agent:
    return get_object_or_404(
        Agent.objects.select_related("user").filter(town_hall=town_hall), pk=agent_id
    )
