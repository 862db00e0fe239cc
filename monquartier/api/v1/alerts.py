"""Alerts: the list the website shows (the member's community's and its twins'), one alert
with the reader's state, sending and correcting, the read mark, "J'ai vu", the progress of
its delivery and reporting it. Same fetchers (alerts/access.py) and services
(alerts/services.py, alerts/acknowledgements.py, moderation/services.py) as the website;
every name from the privacy module."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from monquartier.alerts import acknowledgements, escalation, feeds, services
from monquartier.alerts.access import (
    follows_delivery,
    get_alert_for_reader,
    readable_community_ids,
)
from monquartier.alerts.models import (
    AcknowledgementChannel,
    Alert,
    AlertRead,
    AlertSource,
    AlertStatus,
)
from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    AcknowledgedOut,
    AlertDetail,
    AlertIn,
    AlertOut,
    AlertPage,
    ChannelProgress,
    CommunityRef,
    CorrectionIn,
    Error,
    EscalationLevelOut,
    EscalationOut,
    Place,
    ProgressOut,
    ReadOut,
    ReportIn,
    ReportOut,
    SeenOut,
    ToldOut,
    TownHallMessageOut,
    announcement_fields,
)
from monquartier.communities import privacy
from monquartier.communities.models import Membership
from monquartier.core.pagecache import live
from monquartier.moderation import services as moderation
from monquartier.moderation.models import ReportKind
from monquartier.townhalls.announcements import FEED as TOWN_HALL_FEED

router = Router(tags=["alerts"])

ALERTS_PER_PAGE = 20


def _alert_out(alert: Alert, read: bool, schema: type[AlertOut] = AlertOut, **extra) -> AlertOut:
    place = (
        Place(latitude=alert.latitude, longitude=alert.longitude)
        if alert.latitude is not None and alert.longitude is not None
        else None
    )
    return schema(
        id=alert.pk,
        category=alert.category,
        category_label=str(alert.get_category_display()),
        text=alert.text,
        created_at=alert.created_at,
        sender_name=privacy.alert_sender_name(alert.sender),
        community=CommunityRef(id=alert.community.pk, name=alert.community.name),
        read=read,
        corrects=alert.corrects_id,
        place=place,
        **extra,
    )


def _seen(user, alert: Alert, follows: bool) -> SeenOut:
    seen = acknowledgements.seen_by(user, alert, follows=follows)
    return SeenOut(count=seen.count, by_me=seen.by_viewer, names=seen.names)


def _escalation(alert: Alert, user, follows: bool) -> EscalationOut | None:
    """The escalation as the alert's page shows it to those who follow the alert."""
    shown = escalation.shown(alert, user) if follows else None
    if shown is None:
        return None
    return EscalationOut(
        level=shown.level,
        minutes=shown.minutes,
        at=shown.at,
        levels=[
            EscalationLevelOut(
                level=level.level,
                minutes=level.minutes,
                at=level.at,
                referents=[
                    ToldOut(name=t.name, outcome=t.outcome, outcome_label=t.outcome_label)
                    for t in level.referents
                ],
                agents_sent=level.agents_sent,
                others_sent=level.others_sent,
                not_sent=level.not_sent,
            )
            for level in shown.levels
        ],
    )


def _detail(alert: Alert, user, own: bool) -> AlertDetail:
    """The alert as its page shows it to this reader (alerts/views.detail)."""
    read = not own or AlertRead.objects.filter(alert=alert, user=user).exists()
    corrections = list(
        alert.corrections.visible().order_by("created_at").values_list("pk", flat=True)
    )
    follows = follows_delivery(user, alert)
    return _alert_out(  # type: ignore[return-value]
        alert,
        read,
        AlertDetail,
        is_sender=alert.sender_id == user.pk,
        corrections=corrections,
        seen=_seen(user, alert, follows),
        # Recipients acknowledge; the sender and staff only watch.
        can_acknowledge=not alert.is_hidden and alert.sender_id != user.pk and not user.is_staff,
        escalation=_escalation(alert, user, follows),
    )


def _new_alert(alert: Alert) -> AlertDetail:
    return _alert_out(  # type: ignore[return-value]
        alert,
        False,
        AlertDetail,
        is_sender=True,
        corrections=[],
        seen=SeenOut(count=0, by_me=False, names=[]),
        can_acknowledge=False,
        escalation=None,
    )


def _own_community(user) -> tuple[int, list[int]]:
    own, readable = readable_community_ids(user)
    if own is None:
        raise ApiError(
            403,
            "not_a_member",
            _("Rejoignez d'abord la communauté de votre quartier pour lire ses alertes."),
        )
    return own, readable


@router.get(
    "/alerts", response={200: AlertPage, 401: Error, 403: Error, 422: Error}, summary="Alerts"
)
def alert_list(request: HttpRequest, params: Query[ListParams]):
    """The alerts of the member's community and of the communities twinned with it, newest
    first, 20 a page; `next_cursor` fetches the next page. The first page also has the
    messages of the commune's town hall to the community (`town_hall_messages`), as the
    website's list shows them at its head."""
    unknown = set(request.GET) - set(ListParams.model_fields)
    if unknown:  # a typo in the app would otherwise go unnoticed
        raise ApiError(
            422,
            "invalid",
            _("Paramètre inconnu."),
            {name or "__all__": [_("Paramètre inconnu.")] for name in unknown},
        )
    user = signed_in(request)
    own, readable = _own_community(user)
    alerts = (
        Alert.objects.visible()
        .filter(community_id__in=readable)
        .select_related("community", "sender")
        .order_by("-created_at", "-id")
    )
    if params.cursor:
        created_at, pk = cursors.decode_moment(params.cursor)
        alerts = alerts.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    page = list(alerts[: ALERTS_PER_PAGE + 1])
    more = len(page) > ALERTS_PER_PAGE
    page = page[:ALERTS_PER_PAGE]
    read = set(
        AlertRead.objects.filter(user=user, alert__in=page).values_list("alert_id", flat=True)
    )
    return AlertPage(
        items=[_alert_out(alert, alert.pk in read or alert.community_id != own) for alert in page],
        next_cursor=cursors.moment(page[-1]) if more else None,
        town_hall_messages=[] if params.cursor else _town_hall_messages(own),
    )


def _town_hall_messages(community_id: int) -> list[TownHallMessageOut]:
    """What the website's alert list shows at the head of its first page (alerts/feeds.py:
    the town hall's announcements feed)."""
    return [
        TownHallMessageOut(
            **announcement_fields(announcement), town_hall=announcement.town_hall.name
        )
        for feed, items in feeds.shown_to(community_id)
        if feed.name == TOWN_HALL_FEED.name
        for announcement in items
    ]


@router.get(
    "/alerts/{id:alert_id}",
    response={200: AlertDetail, 401: Error, 404: Error},
    summary="One alert",
)
def alert_detail(request: HttpRequest, alert_id: int):
    """One alert, with whether the reader has read it and said "J'ai vu" (`seen`: how many
    did; their names for its sender, the référents of its community and staff, who also
    see its `escalation` when nobody acknowledged it in time). Reading it here does not
    mark it read: the app says so with POST /alerts/{id}/read when the member opens it."""
    user = signed_in(request)
    alert, own = get_alert_for_reader(user, alert_id)
    if follows_delivery(user, alert):
        # Its deliveries and escalation move by the second: kept a few seconds only
        # (api/http.py).
        live(request)
    return _detail(alert, user, own)


@router.post(
    "/alerts",
    response={201: AlertDetail, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Send an alert",
)
@decorate_view(idempotent)
def send_alert(request: HttpRequest, payload: AlertIn):
    """Send an alert to the member's community (and its twins, its town hall…), like the
    website's "Lancer une alerte". Send an `Idempotency-Key` header: a repeat after a lost
    answer then returns the first alert instead of sending a second one."""
    user = signed_in(request)
    corrects = None
    if payload.corrects is not None:
        # Only one's own visible alert of one's community (the service checks it too).
        corrects = Alert.objects.visible().filter(pk=payload.corrects, sender=user).first()
        if corrects is None:
            raise ApiError(
                422,
                "invalid",
                _("On ne corrige que ses propres alertes."),
                {"corrects": [_("On ne corrige que ses propres alertes.")]},
            )
    alert = services.send_alert(
        user,
        category=payload.category,
        text=payload.text,
        latitude=payload.place.latitude if payload.place else None,
        longitude=payload.place.longitude if payload.place else None,
        corrects=corrects,
        source=AlertSource.API,
    )
    return Status(201, _new_alert(alert))


@router.post(
    "/alerts/{id:alert_id}/correct",
    response={
        201: AlertDetail,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        422: Error,
        429: Error,
    },
    summary="Correct one's alert",
)
@decorate_view(idempotent)
def correct_alert(request: HttpRequest, alert_id: int, payload: CorrectionIn):
    """Send a correction of one's own alert, as the website's "Corriger": a new alert
    that points to the first (an alert is never edited: the neighbours already have it).
    The sender may correct it as long as it is shown (not withdrawn by the team) and they
    are still a member of its community. Send an `Idempotency-Key` header."""
    user = signed_in(request)
    membership = Membership.objects.active_for(user)
    if membership is None:
        raise ApiError(
            403,
            "not_a_member",
            _("Rejoignez d'abord la communauté de votre quartier pour lancer une alerte."),
        )
    alert, _own = get_alert_for_reader(user, alert_id)  # 404 for whoever may not read it
    if (
        alert.sender_id != user.pk
        or alert.community_id != membership.community_id
        or alert.is_hidden
        or alert.status != AlertStatus.SENT
    ):
        raise PermissionDenied(_("On ne corrige que ses propres alertes."))
    correction = services.send_alert(
        user,
        category=payload.category,
        text=payload.text,
        latitude=payload.place.latitude if payload.place else None,
        longitude=payload.place.longitude if payload.place else None,
        corrects=alert,
        source=AlertSource.API,
    )
    return Status(201, _new_alert(correction))


@router.post(
    "/alerts/{id:alert_id}/read",
    response={200: ReadOut, 401: Error, 403: Error, 404: Error},
    summary="Mark an alert read",
)
def mark_read(request: HttpRequest, alert_id: int):
    """The member opened the alert: their SMS still waiting is cancelled. Repeating it
    changes nothing. Only for the alerts of the member's own community (a twinned
    community's alert is not sent to them by SMS)."""
    user = signed_in(request)
    alert, own = get_alert_for_reader(user, alert_id)
    if not own:
        raise PermissionDenied(_("Seules les alertes de votre communauté se marquent comme lues."))
    if alert.sender_id != user.pk:  # the sender gets none of their alert's messages
        services.mark_read(alert, user)
    return ReadOut(read=True)


@router.post(
    "/alerts/{id:alert_id}/acknowledge",
    response={200: AcknowledgedOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary='Say "J\'ai vu"',
)
@decorate_view(idempotent)
def acknowledge(request: HttpRequest, alert_id: int):
    """The member tells the sender and the référents they saw the alert (the website's
    "J'ai vu"; it stops the alert's escalation). For its recipients: the members of its
    community and of the twinned ones, not its sender (422) nor staff (403). Repeating it
    changes nothing; for an alert of one's own community it is also a read mark."""
    user = signed_in(request)
    alert, _own = get_alert_for_reader(user, alert_id)
    acknowledgements.acknowledge(user, alert, channel=AcknowledgementChannel.WEB)
    return AcknowledgedOut(seen=True)


@router.get(
    "/alerts/{id:alert_id}/progress",
    response={200: ProgressOut, 401: Error, 403: Error, 404: Error},
    summary="An alert's delivery",
)
def alert_progress(request: HttpRequest, alert_id: int):
    """How the alert goes out, as the website shows it to its sender, the référents of
    its community and staff (403 for the others): per channel, the messages reached,
    waiting, failed and not sent; the members who read it; who said "J'ai vu" (named as
    the privacy rules name them to the reader); the escalation. Poll it until `settled`
    (an ETag makes an unchanged answer a 304)."""
    user = signed_in(request)
    alert, _own = get_alert_for_reader(user, alert_id)
    if not follows_delivery(user, alert):
        raise PermissionDenied(
            _("Seuls l'émetteur, les référents et l'équipe suivent l'envoi d'une alerte.")
        )
    progress = services.progress(alert)
    return ProgressOut(
        **{
            channel: ChannelProgress(**progress[channel])
            for channel in ("push", "email", "sms", "voice")
        },
        read=progress["read"],
        fanned_out=progress["fanned_out"],
        settled=progress["settled"],
        seen=_seen(user, alert, True),
        escalation=_escalation(alert, user, True),
    )


@router.post(
    "/alerts/{id:alert_id}/report",
    response={201: ReportOut, 401: Error, 404: Error, 409: Error, 422: Error},
    summary="Report an alert",
)
@decorate_view(idempotent)
def report_alert(request: HttpRequest, alert_id: int, payload: ReportIn):
    """Tell the moderation team about an alert (a false or abusive one…), not one's own.
    A second report of the same alert by the same member is refused (422, the team
    already has it)."""
    user = signed_in(request)
    report = moderation.report(
        user, ReportKind.ALERT, alert_id, reason=payload.reason, details=payload.details
    )
    return Status(201, ReportOut(id=report.pk, status=report.status))
