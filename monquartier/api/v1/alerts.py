"""Alerts: the list the website shows (the member's community's and its twins'), one alert
with the reader's state, sending, and the read mark. Same fetchers (alerts/access.py) and
services (alerts/services.py) as the website; the sender's name from the privacy module."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.decorators import decorate_view

from monquartier.alerts import services
from monquartier.alerts.access import get_alert_for_reader, readable_community_ids
from monquartier.alerts.models import Alert, AlertRead, AlertSource
from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    AlertDetail,
    AlertIn,
    AlertOut,
    AlertPage,
    CommunityRef,
    Error,
    Place,
    ReadOut,
)
from monquartier.communities import privacy

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
    first, 20 a page; `next_cursor` fetches the next page."""
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
    )


@router.get(
    "/alerts/{id:alert_id}",
    response={200: AlertDetail, 401: Error, 404: Error},
    summary="One alert",
)
def alert_detail(request: HttpRequest, alert_id: int):
    """One alert, with whether the reader has read it. Reading it here does not mark it
    read: the app says so with POST /alerts/{id}/read when the member opens it."""
    user = signed_in(request)
    alert, own = get_alert_for_reader(user, alert_id)
    read = not own or AlertRead.objects.filter(alert=alert, user=user).exists()
    corrections = list(
        alert.corrections.visible().order_by("created_at").values_list("pk", flat=True)
    )
    return _alert_out(
        alert,
        read,
        AlertDetail,
        is_sender=alert.sender_id == user.pk,
        corrections=corrections,
    )


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
    return Status(201, _alert_out(alert, False, AlertDetail, is_sender=True, corrections=[]))


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
