"""Who may open the town-hall console, and the permission-checked fetchers it uses.

Every console view takes the agent from `agent_required`: a member, a visitor or staff
gets 404 (the console does not exist for them); an agent whose partnership ended gets a
page that says so. A fetcher returns only objects of the agent's own commune: an agent
of Cocody asking for anything of Yopougon gets 404.
"""

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from monquartier.alerts.models import Alert
from monquartier.communities import privacy
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.core import pagecache
from monquartier.core.pagecache import cached_page
from monquartier.townhalls.models import Agent, Announcement, TownHall, partner_on

# The alert filter's "state": whether the town hall has said it saw the alert.
SEEN, UNSEEN = "seen", "unseen"


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


_FETCHED = "_agent_fetched"


def _agent_for(request: HttpRequest) -> Agent | None:
    """agent_of(request.user), once per request."""
    if not hasattr(request, _FETCHED):
        setattr(request, _FETCHED, agent_of(request.user))
    return getattr(request, _FETCHED)


def agent_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        agent = _agent_for(request)
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


class AgentSummary(NamedTuple):
    """What a cached console page needs to know of its agent before the cache answers."""

    town_hall_id: int
    commune_id: int
    starts_on: date
    ends_on: date | None


AGENT_PREFIX = "pa:"


def agent_summary(request: HttpRequest) -> AgentSummary | None:
    """The request's agent, from the cache while their version has not changed (a change
    of their Agent or of their town hall bumps it: townhalls/pagecache.py), else from
    the query agent_required makes, which it then reuses."""
    user = request.user
    if not (user.is_authenticated and user.is_town_hall_agent):
        return None

    def asked() -> tuple | None:
        agent = _agent_for(request)
        if agent is None:
            return None
        town_hall = agent.town_hall
        return (town_hall.pk, town_hall.commune_id, town_hall.starts_on, town_hall.ends_on)

    kept = pagecache.remembered(user.pk, AGENT_PREFIX, asked)
    return AgentSummary(*kept) if kept is not None else None


def town_hall_page(request, *args, **kwargs) -> list[str]:
    """The scopes of a page of the agent's console (agent_page has checked them)."""
    return [
        pagecache.user(request.user.pk),
        pagecache.PEOPLE,
        pagecache.commune(request.town_hall_commune_id),
    ]


def agent_page(view: Callable) -> Callable:
    """agent_required, for a console page that the member pages' cache answers
    (core/pagecache.py): a repeat visit checks the agent and their partnership from the
    cache, and only a page rendered fetches the agent (and checks them again)."""
    checked = agent_required(view)
    cached = cached_page(town_hall_page)(checked)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
            return checked(request, *args, **kwargs)
        summary = agent_summary(request)
        if summary is None:
            raise Http404
        if not partner_on(summary.starts_on, summary.ends_on, timezone.localdate()):
            return checked(request, *args, **kwargs)  # says the partnership ended
        request.town_hall_commune_id = summary.commune_id  # type: ignore[attr-defined]
        return cached(request, *args, **kwargs)

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


def _active_members(since=None) -> Coalesce:
    """The active members of the outer community (joined since `since`, if given)."""
    members = Membership.objects.filter(community=OuterRef("pk"), status=MembershipStatus.ACTIVE)
    if since is not None:
        members = members.filter(joined_at__gte=since)
    return Coalesce(
        Subquery(
            members.order_by()
            .values("community")
            .annotate(count=Count("joined_at"))
            .values("count")
        ),
        0,
    )


def with_counts(communities, month_start):
    """The communities with their active members, and those who joined since
    `month_start`. Each count is a subquery of the row, not a join grouped by community:
    a page of a long list counts its own rows only (PostgreSQL computes the select list
    after the sort and the limit), and counting the list (the paginator) skips them."""
    return communities.annotate(
        member_count=_active_members(), new_members=_active_members(month_start)
    )


def grown_since(town_hall: TownHall, since, limit: int) -> list[dict]:
    """The communities of the commune with the most members who joined since `since`
    (and are still active), up to `limit`: {"pk", "name", "new_members"}, counted from
    the memberships of the period (an index on (community, joined_at)) rather than
    over every member of the commune."""
    return [
        {"pk": row["community_id"], "name": row["community__name"], "new_members": row["count"]}
        for row in Membership.objects.filter(
            community__commune_id=town_hall.commune_id,
            status=MembershipStatus.ACTIVE,
            joined_at__gte=since,
        )
        .values("community_id", "community__name")
        # joined_at (never null here), not the id: the index answers alone.
        .annotate(count=Count("joined_at"))
        .order_by("-count", "community__name", "community_id")[:limit]
    ]


def referents_by_community(viewer, community_ids) -> dict[int, list[Membership]]:
    """The référents of these communities, named as the town hall sees them (pseudonyms,
    Relation.TOWN_HALL), in one query."""
    referents = privacy.name_memberships(
        privacy.Viewpoint.of(viewer, False),
        Membership.objects.referents()
        .filter(community__in=community_ids)
        .select_related("user")
        .order_by("joined_at", "pk"),
    )
    grouped: dict[int, list[Membership]] = {}
    for membership in referents:
        grouped.setdefault(membership.community_id, []).append(membership)
    return grouped


def commune_alerts(town_hall: TownHall) -> QuerySet[Alert]:
    """Every visible alert of the commune's communities."""
    return Alert.objects.visible().filter(community__commune_id=town_hall.commune_id)


def filter_alerts(alerts: QuerySet[Alert], cleaned: dict) -> QuerySet[Alert]:
    """The console's alert filters (forms.AlertFilterForm's cleaned data) applied."""
    if cleaned.get("communaute"):
        alerts = alerts.filter(community=cleaned["communaute"])
    if cleaned.get("categorie"):
        alerts = alerts.filter(category=cleaned["categorie"])
    if cleaned.get("du"):
        alerts = alerts.filter(created_at__date__gte=cleaned["du"])
    if cleaned.get("au"):
        alerts = alerts.filter(created_at__date__lte=cleaned["au"])
    if cleaned.get("etat") == SEEN:
        alerts = alerts.filter(town_hall_seen_at__isnull=False)
    elif cleaned.get("etat") == UNSEEN:
        alerts = alerts.filter(town_hall_seen_at__isnull=True)
    return alerts


def alert_for(town_hall: TownHall, alert_id: int) -> Alert:
    """One alert of the commune (404 for any other), with what its page shows."""
    return get_object_or_404(
        commune_alerts(town_hall).select_related("community", "sender", "town_hall_seen_by"),
        pk=alert_id,
    )


def announcements_of(town_hall: TownHall) -> QuerySet[Announcement]:
    return Announcement.objects.filter(town_hall=town_hall)


def announcement_for(town_hall: TownHall, announcement_id: int) -> Announcement:
    """One announcement of the town hall (404 for another town hall's)."""
    return get_object_or_404(
        announcements_of(town_hall)
        .select_related("sent_by")
        .annotate(community_count=Count("communities"))
        .prefetch_related(
            Prefetch("communities", queryset=Community.objects.only("id", "name").order_by("name"))
        ),
        pk=announcement_id,
    )


def community_for(town_hall: TownHall, community_id: int) -> Community:
    return get_object_or_404(communities_of(town_hall), pk=community_id)


def agent_for(town_hall: TownHall, agent_id: int) -> Agent:
    return get_object_or_404(
        Agent.objects.select_related("user").filter(town_hall=town_hall), pk=agent_id
    )
