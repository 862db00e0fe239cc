"""The town hall's endpoints, for the agents of a partner town hall and their systems:
the commune's alerts (with the console's filters) and its "vu par la mairie", the town
hall's announcements (list, one, preview, send), the commune's communities and the
dashboard's figures.

Each one calls what the console's page calls (townhalls/access.py's fetchers, its forms
and services): an agent of Cocody asking for an alert of Yopougon gets 404, as on the
console. Anyone else gets 403: a member, staff (the console is not theirs either), an
agent whose partnership ended. People are named by the town-hall column of the privacy
table: an alert's sender by their real name (alert_sender_name), référents by their
public name, colleagues by their name (colleague_name).
"""

from datetime import date, datetime
from typing import Literal

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import Field, StrictInt

from monquartier.alerts import services as alert_services
from monquartier.alerts.models import Alert
from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    AnnouncementFields,
    CommunityRef,
    Error,
    Input,
    Place,
    announcement_fields,
)
from monquartier.communities import privacy
from monquartier.outbox.models import Channel
from monquartier.townhalls import access, announcements, dashboard
from monquartier.townhalls.announcement_views import ANNOUNCEMENT, URGENT, AnnouncementForm
from monquartier.townhalls.dashboard_views import choose_from
from monquartier.townhalls.forms import NAME_MAX_LENGTH, NAMES_UP_TO, AlertFilterForm
from monquartier.townhalls.models import Agent, Announcement, AnnouncementCategory

router = Router(tags=["townhall"])

ALERTS_PER_PAGE = 20
ANNOUNCEMENTS_PER_PAGE = 20
COMMUNITIES_PER_PAGE = 50


# --- who may call ------------------------------------------------------------------


def _agent(request: HttpRequest) -> Agent:
    """The calling agent of a partner town hall; 403 for anyone else."""
    agent = access.agent_of(signed_in(request))
    if agent is None:
        raise ApiError(
            403,
            "not_a_town_hall_agent",
            _("Ces adresses sont réservées aux agents d'une mairie partenaire."),
        )
    if not agent.town_hall.is_partner:
        raise ApiError(
            403,
            "partnership_ended",
            _("Le partenariat de votre mairie avec MonQuartier a pris fin."),
        )
    return agent


def _form_fields(form, names: dict[str, str]) -> dict[str, list[str]]:
    """A console form's errors under the API's names for the fields."""
    return {
        names.get(field, field): [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


def _refuse(form, names: dict[str, str]) -> ApiError:
    fields = _form_fields(form, names)
    message = " ".join(message for messages in fields.values() for message in messages)
    return ApiError(422, "invalid", message or _("La requête contient des erreurs."), fields)


# --- schemas -------------------------------------------------------------------------


class TownHallRef(Schema):
    id: int
    name: str
    commune: str


class TownHallAlertOut(Schema):
    id: int
    category: str
    category_label: str
    text: str
    created_at: datetime
    sender_name: str
    community: CommunityRef
    corrects: int | None
    place: Place | None
    # When an agent said the town hall had seen it ("Vu par la mairie"); null: not yet.
    seen_at: datetime | None


class ChannelCounts(Schema):
    reached: int
    waiting: int
    failed: int
    cancelled: int


class AlertProgress(Schema):
    fanned_out: bool
    settled: bool
    read: int
    push: ChannelCounts
    email: ChannelCounts
    sms: ChannelCounts


class TownHallAlertDetail(TownHallAlertOut):
    # The agent who acknowledged it, by name (colleagues see each other's names).
    seen_by: str | None
    progress: AlertProgress


class TownHallAlertPage(Schema):
    items: list[TownHallAlertOut]
    next_cursor: str | None


class TownHallSeenOut(Schema):
    seen_at: datetime
    seen_by: str | None
    # False when the town hall had already seen it (the first agent and time stay).
    newly_seen: bool


# A day as YYYY-MM-DD (the console's forms check it is a real one): pydantic's own date
# would also take a number of seconds since 1970.
DAY = Field(
    default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", json_schema_extra={"format": "date"}
)


class AlertFilters(ListParams):
    community: int | None = Field(default=None, ge=1, le=10**12)
    category: str | None = Field(default=None, max_length=32)
    since: str | None = DAY
    until: str | None = DAY
    state: Literal["seen", "unseen"] | None = None


_ALERT_FILTERS = {
    "communaute": "community",
    "categorie": "category",
    "du": "since",
    "au": "until",
    "etat": "state",
}


class Reach(Schema):
    push: int
    email: int
    sms: int


class AnnouncementOut(AnnouncementFields):
    sent_by: str | None
    community_count: int
    # The messages its fan-out queued (push and e-mail), and the SMS it counted.
    reach: Reach


class AnnouncementDetail(AnnouncementOut):
    communities: list[CommunityRef]


class AnnouncementPage(Schema):
    items: list[AnnouncementOut]
    next_cursor: str | None
    # What is left of the town hall's SMS this calendar month, for urgent alerts.
    sms_remaining: int


class AnnouncementIn(Input):
    # An urgent alert also goes by SMS, within the town hall's monthly quota.
    urgent: bool = Field(default=False, strict=True)
    category: AnnouncementCategory
    text: str = Field(max_length=announcements.TEXT_MAX_LENGTH * 2)  # cleaned, then counted
    place: str = Field(default="", max_length=announcements.PLACE_MAX_LENGTH * 2)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # The whole commune, or the communities listed (ids of the commune's communities).
    everywhere: bool = Field(default=False, strict=True)
    communities: list[StrictInt] = Field(default_factory=list, max_length=NAMES_UP_TO * 10)


class PreviewOut(Schema):
    urgent: bool
    communities: list[CommunityRef]
    members: int
    push: int
    email: int
    sms: int
    sms_remaining: int


class TownHallCommunityOut(Schema):
    id: int
    name: str
    member_count: int
    # Members who joined since the first of this month.
    new_members: int
    # The référents, by the name the town hall may see (their public name).
    referents: list[str]


class TownHallCommunityPage(Schema):
    town_hall: TownHallRef
    total: int
    items: list[TownHallCommunityOut]
    next_cursor: str | None


class CommunityParams(ListParams):
    q: str | None = Field(default=None, max_length=NAME_MAX_LENGTH)


class DashboardParams(Input):
    period: Literal["3", "6", "12", "dates"] | None = None
    start: str | None = DAY
    end: str | None = DAY
    community: int | None = Field(default=None, ge=1, le=10**12)


class CategoryCount(Schema):
    category: str
    label: str
    count: int


class WeekCount(Schema):
    week: date
    count: int


class CommunityCount(Schema):
    name: str
    count: int


class DashboardOut(Schema):
    start: date
    end: date
    community: CommunityRef | None
    # Alerts of the period (corrections not counted), those the town hall marked seen,
    # those a référent of their community opened.
    alerts: int
    seen_by_town_hall: int
    read_by_referents: int
    by_category: list[CategoryCount]
    by_week: list[WeekCount]
    top_communities: list[CommunityCount]
    other_communities: int


# --- alerts --------------------------------------------------------------------------


def _place(alert: Alert) -> Place | None:
    if alert.latitude is None or alert.longitude is None:
        return None
    return Place(latitude=alert.latitude, longitude=alert.longitude)


def _alert_fields(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "category": alert.category,
        "category_label": str(alert.get_category_display()),
        "text": alert.text,
        "created_at": alert.created_at,
        "sender_name": privacy.alert_sender_name(alert.sender),
        "community": CommunityRef(id=alert.community.pk, name=alert.community.name),
        "corrects": alert.corrects_id,
        "place": _place(alert),
        "seen_at": alert.town_hall_seen_at,
    }


@router.get(
    "/townhall/alerts",
    response={200: TownHallAlertPage, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="The commune's alerts",
)
def alert_list(request: HttpRequest, params: Query[AlertFilters]):
    """Every alert of the commune's communities, newest first, 20 a page, with the
    console's filters: `community` (an id), `category`, `since` and `until` (dates,
    included), `state` (`seen` or `unseen` by the town hall). A community of another
    commune is 404."""
    cursors.refuse_unknown(request, AlertFilters.model_fields)
    town_hall = _agent(request).town_hall
    data = {
        form_name: str(getattr(params, api_name))
        for form_name, api_name in _ALERT_FILTERS.items()
        if getattr(params, api_name) is not None
    }
    form = AlertFilterForm(data, communities=access.communities_of(town_hall))
    if not form.is_valid():
        if form.has_error("communaute", "outside"):
            raise ApiError(404, "not_found", _("Introuvable, ou vous n'y avez pas accès."))
        raise _refuse(form, _ALERT_FILTERS)
    alerts = (
        access.filter_alerts(access.commune_alerts(town_hall), form.cleaned_data)
        .select_related("community", "sender")
        .defer("sender__mobile", "sender__landline")
        .order_by("-created_at", "-id")
    )
    if params.cursor:
        created_at, pk = cursors.decode_moment(params.cursor)
        alerts = alerts.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    page = list(alerts[: ALERTS_PER_PAGE + 1])
    more = len(page) > ALERTS_PER_PAGE
    page = page[:ALERTS_PER_PAGE]
    return TownHallAlertPage(
        items=[TownHallAlertOut(**_alert_fields(alert)) for alert in page],
        next_cursor=cursors.moment(page[-1]) if more else None,
    )


def _progress(alert: Alert) -> AlertProgress:
    counts = alert_services.progress(alert)
    return AlertProgress(
        fanned_out=counts["fanned_out"],
        settled=counts["settled"],
        read=counts["read"],
        **{channel: ChannelCounts(**counts[channel]) for channel in ("push", "email", "sms")},
    )


def _seen_by(alert: Alert) -> str | None:
    return privacy.colleague_name(alert.town_hall_seen_by) if alert.town_hall_seen_by else None


@router.get(
    "/townhall/alerts/{id:alert_id}",
    response={200: TownHallAlertDetail, 401: Error, 403: Error, 404: Error},
    summary="One alert of the commune",
)
def alert_detail(request: HttpRequest, alert_id: int):
    """What the console's alert page shows: the alert, its sender, whether and by whom
    the town hall saw it, and how its sending went (per channel)."""
    alert = access.alert_for(_agent(request).town_hall, alert_id)
    return TownHallAlertDetail(
        **_alert_fields(alert), seen_by=_seen_by(alert), progress=_progress(alert)
    )


@router.post(
    "/townhall/alerts/{id:alert_id}/seen",
    response={200: TownHallSeenOut, 401: Error, 403: Error, 404: Error},
    summary="Acknowledge an alert",
)
def acknowledge(request: HttpRequest, alert_id: int):
    """The console's "Vu par la mairie": the alert's sender and its community's référents
    see that the town hall saw it. The first agent and time stay: a repeat, or a
    colleague's, changes nothing (`newly_seen` is then false)."""
    agent = _agent(request)
    alert = access.alert_for(agent.town_hall, alert_id)
    newly_seen = alert_services.mark_seen_by_town_hall(alert, agent.user)
    assert alert.town_hall_seen_at is not None  # set by now, by this agent or another
    return TownHallSeenOut(
        seen_at=alert.town_hall_seen_at, seen_by=_seen_by(alert), newly_seen=newly_seen
    )


# --- announcements -------------------------------------------------------------------


def _announcement_fields(announcement: Announcement, reach: dict[tuple[int, str], int]) -> dict:
    return {
        **announcement_fields(announcement),
        "sent_by": privacy.colleague_name(announcement.sent_by) if announcement.sent_by else None,
        "community_count": announcement.community_count,  # type: ignore[attr-defined]  # annotated
        "reach": Reach(
            push=reach.get((announcement.pk, Channel.PUSH), 0),
            email=reach.get((announcement.pk, Channel.EMAIL), 0),
            sms=announcement.sms_count,
        ),
    }


@router.get(
    "/townhall/announcements",
    response={200: AnnouncementPage, 401: Error, 403: Error, 422: Error},
    summary="The town hall's announcements",
)
def announcement_list(request: HttpRequest, params: Query[ListParams]):
    """The town hall's announcements and urgent alerts, newest first, 20 a page, each
    with its reach, and the SMS left this month."""
    cursors.refuse_unknown(request, ListParams.model_fields)
    town_hall = _agent(request).town_hall
    rows = (
        access.announcements_of(town_hall)
        .select_related("sent_by")
        .annotate(community_count=Count("communities"))
        .order_by("-created_at", "-id")
    )
    if params.cursor:
        created_at, pk = cursors.decode_moment(params.cursor)
        rows = rows.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    page = list(rows[: ANNOUNCEMENTS_PER_PAGE + 1])
    more = len(page) > ANNOUNCEMENTS_PER_PAGE
    page = page[:ANNOUNCEMENTS_PER_PAGE]
    reach = announcements.queued_by_channel(announcement.pk for announcement in page)
    return AnnouncementPage(
        items=[AnnouncementOut(**_announcement_fields(item, reach)) for item in page],
        next_cursor=cursors.moment(page[-1]) if more else None,
        sms_remaining=announcements.sms_remaining(town_hall),
    )


def _detail(announcement_id: int, town_hall) -> AnnouncementDetail:
    announcement = access.announcement_for(town_hall, announcement_id)
    reach = announcements.queued_by_channel([announcement.pk])
    return AnnouncementDetail(
        **_announcement_fields(announcement, reach),
        communities=[
            CommunityRef(id=community.pk, name=community.name)
            for community in announcement.communities.all()
        ],
    )


@router.get(
    "/townhall/announcements/{id:announcement_id}",
    response={200: AnnouncementDetail, 401: Error, 403: Error, 404: Error},
    summary="One announcement",
)
def announcement_detail(request: HttpRequest, announcement_id: int):
    """One of the town hall's announcements, with the communities it went to."""
    return _detail(announcement_id, _agent(request).town_hall)


_ANNOUNCEMENT_FIELDS = {"kind": "urgent", "names": "communities"}


def _announcement_form(payload: AnnouncementIn, town_hall) -> AnnouncementForm:
    """The console's form, filled from the request: its rules and caps apply as they are
    (a commune of many communities takes them as a list of names, ids included)."""
    ids = [str(pk) for pk in payload.communities]
    data: dict = {
        "kind": URGENT if payload.urgent else ANNOUNCEMENT,
        "category": payload.category,
        "text": payload.text,
        "place": payload.place,
        "starts_at": payload.starts_at,
        "ends_at": payload.ends_at,
        "everywhere": str(payload.everywhere),
        # The form keeps the field for the commune's size: boxes, or names (ids do).
        "communities": ids,
        "names": "\n".join(ids),
    }
    form = AnnouncementForm(data, communities=access.communities_of(town_hall))
    if not form.is_valid():
        raise _refuse(form, _ANNOUNCEMENT_FIELDS)
    return form


@router.post(
    "/townhall/announcements/preview",
    response={200: PreviewOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Preview an announcement",
)
def preview_announcement(request: HttpRequest, payload: AnnouncementIn):
    """What the console's preview says before sending: who receives it, by channel, and
    the SMS it would spend. Sends nothing."""
    agent = _agent(request)
    form = _announcement_form(payload, agent.town_hall)
    draft = announcements.prepare(agent.user, agent.town_hall, **form.service_fields())
    return PreviewOut(
        urgent=draft.urgent,
        communities=[CommunityRef(id=item.pk, name=item.name) for item in draft.communities],
        members=draft.reach.members,
        push=draft.reach.push,
        email=draft.reach.email,
        sms=draft.reach.sms,
        sms_remaining=draft.sms_remaining,
    )


@router.post(
    "/townhall/announcements",
    response={201: AnnouncementDetail, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Send an announcement",
)
@decorate_view(idempotent)
def send_announcement(request: HttpRequest, payload: AnnouncementIn):
    """Send an announcement (push and e-mail), or with `urgent` an urgent alert (SMS
    too), to the whole commune (`everywhere`) or to the communities listed, as the
    console's "Envoyer". The same checks: the text and its period, communities of the
    commune only (200 at most in a commune of more than 60), the town hall's daily limit
    and its monthly SMS quota. Send an `Idempotency-Key` header: a repeat after a lost
    answer returns the first announcement instead of sending a second one."""
    agent = _agent(request)
    form = _announcement_form(payload, agent.town_hall)
    announcement = announcements.send_announcement(
        agent.user, agent.town_hall, **form.service_fields()
    )
    return Status(201, _detail(announcement.pk, agent.town_hall))


# --- communities and dashboard -------------------------------------------------------


def _decode_name_cursor(cursor: str) -> tuple[str, int]:
    name, pk = cursors.decode(cursor)
    if not isinstance(name, str) or not isinstance(pk, int) or isinstance(pk, bool):
        raise cursors.invalid()
    return name, pk


@router.get(
    "/townhall/communities",
    response={200: TownHallCommunityPage, 401: Error, 403: Error, 422: Error},
    summary="The commune's communities",
)
def community_list(request: HttpRequest, params: Query[CommunityParams]):
    """The commune's communities by name, 50 a page, as the console lists them: members,
    this month's newcomers, référents (by their public name). `q` keeps those whose name
    contains it."""
    cursors.refuse_unknown(request, CommunityParams.model_fields)
    agent = _agent(request)
    town_hall = agent.town_hall
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    listed = access.communities_of(town_hall)
    search = (params.q or "").strip()
    if search:
        listed = listed.filter(name__icontains=search)
    total = listed.count()
    rows = access.with_counts(listed.only("id", "name"), month_start).order_by("name", "pk")
    if params.cursor:
        name, pk = _decode_name_cursor(params.cursor)
        rows = rows.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    page = list(rows[: COMMUNITIES_PER_PAGE + 1])
    more = len(page) > COMMUNITIES_PER_PAGE
    page = page[:COMMUNITIES_PER_PAGE]
    referents = access.referents_by_community(agent.user, [community.pk for community in page])
    return TownHallCommunityPage(
        town_hall=TownHallRef(id=town_hall.pk, name=town_hall.name, commune=town_hall.commune.name),
        total=total,
        items=[
            TownHallCommunityOut(
                id=community.pk,
                name=community.name,
                member_count=community.member_count,
                new_members=community.new_members,
                referents=[membership.name for membership in referents.get(community.pk, [])],
            )
            for community in page
        ],
        next_cursor=cursors.encode(page[-1].name, page[-1].pk) if more else None,
    )


@router.get(
    "/townhall/dashboard",
    response={200: DashboardOut, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="The dashboard's figures",
)
def dashboard_figures(request: HttpRequest, params: Query[DashboardParams]):
    """The figures of the console's dashboard, for the last 12 months by default:
    `period` 3, 6 or 12 (months), or `dates` with `start` and `end`; `community` for one
    community of the commune (another commune's is 404)."""
    cursors.refuse_unknown(request, DashboardParams.model_fields)
    town_hall = _agent(request).town_hall
    data = {name: str(value) for name, value in params.model_dump().items() if value is not None}
    choice = choose_from(data, town_hall)
    if choice.notice:
        raise _refuse(choice.form, {})
    filters = choice.filters
    figures = dashboard.figures(town_hall, filters)
    counted = figures.response()
    top, others = figures.by_community()
    community = filters.community
    return DashboardOut(
        start=filters.start,
        end=filters.end,
        community=CommunityRef(id=community.pk, name=community.name) if community else None,
        alerts=counted["total"],
        seen_by_town_hall=counted["town_hall"],
        read_by_referents=counted["referents"],
        by_category=[
            CategoryCount(category=value, label=label, count=count)
            for value, label, count in figures.by_category()
        ],
        by_week=[WeekCount(week=week, count=count) for week, count in figures.weekly()],
        top_communities=[CommunityCount(name=name, count=count) for name, count in top],
        other_communities=others,
    )
