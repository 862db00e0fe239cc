"""What the référents of the member's community do there, beside the join requests
(community.py): the référents (naming and removing them, stepping down), the community's
settings (who validates the join requests, the public page, the delay before an alert
escalates), its boundary and name, registering a neighbour who has only a basic phone, and the twinnings
(asking a nearby community, answering, ending).
Only for the référents of the community: the same fetcher
(communities/access.get_community_for_referent), services (communities/services) and
names (communities/privacy.py) as the website's référent pages."""

import json

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.decorators import decorate_view

from monquartier.accounts.models import User
from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1.schemas import (
    BoundaryIn,
    BoundaryOut,
    CommunityRef,
    CommunitySettingsOut,
    CommunitySettingsPatch,
    Error,
    NearbyOut,
    NeighbourIn,
    NeighbourOut,
    ReferentOut,
    ReferentsOut,
    TwinningIn,
    TwinningOut,
    TwinningsOut,
    ValidationModeIn,
    ValidationModeOut,
)
from monquartier.communities import access, commune_rules, geometry, lookups, privacy, services
from monquartier.communities.forms import (
    BoundaryForm,
    CommunitySettingsForm,
    NeighbourForm,
    TwinningRequestForm,
)
from monquartier.communities.models import (
    ACKNOWLEDGEMENT_MINUTES_MAX,
    ACKNOWLEDGEMENT_MINUTES_MIN,
    Community,
    Membership,
    Twinning,
    TwinningStatus,
    ValidationMode,
)

router = Router(tags=["référents"])


def _referents_community(user: User) -> tuple[Community, Membership]:
    """The community the user is a référent of, through the website's fetcher: anyone
    else gets 403 (a pending member: "the request still waits"; no community at all,
    staff and town-hall agents included: not_a_member)."""
    membership = access.open_membership(user)
    if membership is None:
        raise ApiError(403, "not_a_member", _("Rejoignez d'abord la communauté de votre quartier."))
    community, active = access.get_community_for_referent(user, membership.community_id)
    if active is None:  # the fetcher lets no one else through
        raise ApiError(
            403, "forbidden", _("Cette page est réservée aux référents de la communauté.")
        )
    return community, active


def _referents(user: User, membership: Membership, community: Community) -> ReferentsOut:
    named = privacy.name_memberships(
        privacy.Viewpoint.of(user, membership),
        Membership.objects.referents()
        .filter(community=community)
        .select_related("user")
        .order_by("directory_name", "pk"),
    )
    return ReferentsOut(
        items=[
            ReferentOut(user_id=item.user_id, name=item.name, is_me=item.user_id == user.pk)
            for item in named
        ]
    )


@router.get(
    "/community/referents",
    response={200: ReferentsOut, 401: Error, 403: Error},
    summary="The référents (référents)",
)
def referent_list(request: HttpRequest):
    """The référents of the community, in the directory's order, named as the privacy
    rules name them to the reader. The other members (to name one référent) are in
    GET /community/directory, with their `is_referent`."""
    user = signed_in(request)
    community, membership = _referents_community(user)
    return _referents(user, membership, community)


@router.post(
    "/community/referents/{id:user_id}/appoint",
    response={200: ReferentsOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Name a member référent (référents)",
)
@decorate_view(idempotent)
def appoint_referent(request: HttpRequest, user_id: int):
    """Make a member of the community a référent too (its `id` is the member's user id,
    as in the directory). Already one: 422. Answers the référents after the change."""
    user = signed_in(request)
    community, membership = _referents_community(user)
    _member, target = access.get_member_of(community, user_id)
    services.make_referent(user, target)
    return _referents(user, membership, community)


@router.post(
    "/community/referents/{id:user_id}/remove",
    response={200: ReferentsOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Take the role from a référent (référents)",
)
@decorate_view(idempotent)
def remove_referent(request: HttpRequest, user_id: int):
    """The member stays in the community, without the role. The last référent cannot
    be removed (422): a community always has one. To step down oneself, POST
    /community/referents/resign."""
    user = signed_in(request)
    community, membership = _referents_community(user)
    _member, target = access.get_member_of(community, user_id)
    services.remove_referent(user, target)
    return _referents(user, membership, community)


@router.post(
    "/community/referents/resign",
    response={200: ReferentsOut, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Stop being a référent (référents)",
)
@decorate_view(idempotent)
def resign(request: HttpRequest):
    """The référent steps down and stays a member. The only référent is refused (422):
    they name another one first, as the website asks. Answers the référents left (the
    last time this member may read them)."""
    user = signed_in(request)
    community, membership = _referents_community(user)
    membership = services.resign_referent(user)
    return _referents(user, membership, community)


def _validation_mode(community: Community) -> ValidationModeOut:
    imposed = commune_rules.commune_mode(community.commune_id)
    mode = commune_rules.effective_mode(community)
    if imposed is not None:
        choices = [imposed]
    else:  # "the town hall validates" only where a partner town hall chose it
        choices = [value for value in ValidationMode.values if value != ValidationMode.TOWN_HALL]
    return ValidationModeOut(
        mode=mode,
        mode_label=str(ValidationMode(mode).label),
        set_by_commune=imposed is not None,
        choices=choices,
    )


@router.get(
    "/community/validation-mode",
    response={200: ValidationModeOut, 401: Error, 403: Error},
    summary="Who validates join requests (référents)",
)
def validation_mode(request: HttpRequest):
    """Who accepts the join requests: the référents, the MonQuartier team, or the
    commune's partner town hall (when it decides so for all its communities, the mode
    cannot be changed: `set_by_commune`)."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    return _validation_mode(community)


@router.put(
    "/community/validation-mode",
    response={200: ValidationModeOut, 401: Error, 403: Error, 422: Error},
    summary="Change who validates join requests (référents)",
)
def set_validation_mode(request: HttpRequest, payload: ValidationModeIn):
    """One of `choices` (the website's Réglages page; the other settings keep their
    value). Setting the mode it already has changes nothing."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    if payload.mode not in ValidationMode.values:
        message = _("Choisissez une des valeurs proposées.")
        raise ApiError(422, "invalid", message, {"mode": [message]})
    try:
        community = services.update_community_settings(
            user,
            community,
            validation_mode=payload.mode,
            public_page=community.public_page,
            presentation=community.presentation,
            acknowledgement_minutes=community.acknowledgement_minutes,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "validation_mode" in error.error_dict:
            raise ValidationError({"mode": error.error_dict["validation_mode"]}) from None
        raise
    return _validation_mode(community)


def _settings_out(community: Community) -> CommunitySettingsOut:
    return CommunitySettingsOut(
        validation_mode=_validation_mode(community),
        public_page=community.public_page,
        presentation=community.presentation,
        acknowledgement_minutes=community.acknowledgement_minutes,
        acknowledgement_minutes_min=ACKNOWLEDGEMENT_MINUTES_MIN,
        acknowledgement_minutes_max=ACKNOWLEDGEMENT_MINUTES_MAX,
        registers_neighbours_from=community.registers_neighbours_from,
    )


@router.get(
    "/community/settings",
    response={200: CommunitySettingsOut, 401: Error, 403: Error},
    summary="The community's settings (référents)",
)
def community_settings(request: HttpRequest):
    """The website's Réglages page: who validates the join requests, the public page and
    its presentation, and the delay (minutes) before an alert nobody said "J'ai vu" to
    calls the référents."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    return _settings_out(community)


@router.patch(
    "/community/settings",
    response={200: CommunitySettingsOut, 401: Error, 403: Error, 422: Error},
    summary="Change the community's settings (référents)",
)
def update_settings(request: HttpRequest, payload: CommunitySettingsPatch):
    """The Réglages page's form and service: the fields left out keep their value; a
    refused one (a mode the commune's town hall decides, a delay out of
    `acknowledgement_minutes_min`..`max`, a presentation over 1 000 characters) changes
    nothing (422, by field)."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    data = {
        "validation_mode": community.validation_mode,
        "public_page": community.public_page,
        "presentation": community.presentation,
        "acknowledgement_minutes": community.acknowledgement_minutes,
    }
    data.update(payload.model_dump(exclude_unset=True, exclude_none=True))
    if not data["public_page"]:
        data.pop("public_page")  # an unchecked box is a missing one
    form = CommunitySettingsForm(data=data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    try:
        community = services.update_community_settings(user, community, **form.cleaned_data)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # the presentation's length
            raise ValidationError({"presentation": error}) from None
        raise
    return _settings_out(community)


def _boundary_out(community: Community) -> BoundaryOut:
    return BoundaryOut(
        name=community.name,
        area=community.area,
        area_m2=community.area_m2,
        max_area_m2=(
            community.rural_max_area_m2 if community.rural_exemption else geometry.MAX_AREA_M2
        ),
    )


@router.get(
    "/community/boundary",
    response={200: BoundaryOut, 401: Error, 403: Error},
    summary="The community's boundary and name (référents)",
)
def boundary(request: HttpRequest):
    """What the website's "Délimitation et nom" page edits."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    return _boundary_out(community)


@router.put(
    "/community/boundary",
    response={200: BoundaryOut, 401: Error, 403: Error, 422: Error},
    summary="Change the community's boundary and name (référents)",
)
def change_boundary(request: HttpRequest, payload: BoundaryIn):
    """The page's form and service in one step: the area (a valid polygon, not too
    large, overlapping no other community) and the name are checked before anything is
    saved. Members the new area leaves outside are named in a 422 on `leave_outside`:
    warn them, then send it again with `leave_outside: true`. Everyone is told in the
    community's history."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    data = {"name": payload.name, "area": json.dumps(payload.area)}
    if payload.leave_outside:
        data["leave_outside"] = "on"
    form = BoundaryForm(data=data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    community = services.change_boundary(
        user,
        community,
        form.cleaned_data["area"],
        name=form.cleaned_data["name"],
        leave_outside=form.cleaned_data["leave_outside"],
    )
    return _boundary_out(community)


@router.post(
    "/community/neighbours",
    response={201: NeighbourOut, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Register a neighbour who has only a basic phone (référents)",
)
@decorate_view(idempotent)
def register_neighbour(request: HttpRequest, payload: NeighbourIn):
    """The website's "Inscrire un voisin sans internet": the neighbour becomes a member
    with an SMS of ours that asks them to answer OUI; alerts reach them by SMS (and by a
    voice call with `alert_voice`) once they did. Only with their consent (`confirm`),
    inside the community's area, an Ivorian mobile not already registered here, and
    after the community's first days (`registers_neighbours_from` in GET
    /community/settings). Each costs an SMS: a référent and a community register a few a
    day (429 past that; the MonQuartier team is told). Send an `Idempotency-Key`."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    data = payload.model_dump(exclude={"place"})
    data.update(latitude=payload.place.latitude, longitude=payload.place.longitude)
    for name in ("alert_voice", "confirm"):
        if not data[name]:
            data.pop(name)  # an unchecked box is a missing one
    form = NeighbourForm(data=data)
    if not form.is_valid():
        raise ValidationError(_place_fields(form.errors.as_data()))
    fields = {key: value for key, value in form.cleaned_data.items() if key != "confirm"}
    try:
        neighbour = services.register_neighbour(user, community, **fields)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(_place_fields(error.error_dict)) from None
        raise
    return Status(
        201,
        NeighbourOut(
            user_id=neighbour.pk,
            name=privacy.name_seen_by(user, neighbour),
            mobile_verified=neighbour.mobile_verified,
            alert_voice=neighbour.alert_voice,
        ),
    )


def _place_fields(errors: dict) -> dict:
    """The form's latitude and longitude are the request's `place`."""
    named: dict = {}
    for name, items in errors.items():
        key = "place" if name in ("latitude", "longitude") else name
        named.setdefault(key, []).extend(items)
    return named


def _links(community: Community):
    return (
        Twinning.objects.involving(community)
        .filter(status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE])
        .select_related("requester", "partner")
        .order_by("-requested_at", "-pk")
    )


def _nearby(community: Community, links) -> list[tuple[Community, float]]:
    """The website's choice of communities to ask (views/twinning.twinnings)."""
    linked = {link.other_side(community).pk for link in links}
    return [
        (other, distance)
        for other, distance in lookups.communities_near(
            geometry.polygon_from_geojson(community.area),
            within_m=geometry.TWINNING_MAX_DISTANCE_M,
            exclude=community,
        )
        if other.pk not in linked
    ]


def _twinning_out(community: Community, link: Twinning) -> TwinningOut:
    other = link.other_side(community)
    return TwinningOut(
        id=link.pk,
        status=link.status,
        community=CommunityRef(id=other.pk, name=other.name),
        asked_by_us=link.requester_id == community.pk,
        requested_at=link.requested_at,
        decided_at=link.decided_at,
    )


@router.get(
    "/community/twinnings",
    response={200: TwinningsOut, 401: Error, 403: Error},
    summary="Twinnings (référents)",
)
def twinning_list(request: HttpRequest):
    """The twinnings of the community, active or asked (newest first), and the
    communities within 3 km a twinning may be asked of (nearest first). Twinned
    communities receive each other's alerts by e-mail and may write to each other."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    links = list(_links(community))
    return TwinningsOut(
        items=[_twinning_out(community, link) for link in links],
        nearby=[
            NearbyOut(id=other.pk, name=other.name, distance_m=round(distance))
            for other, distance in _nearby(community, links)
        ],
    )


@router.post(
    "/community/twinnings",
    response={201: TwinningOut, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Ask a nearby community to twin (référents)",
)
@decorate_view(idempotent)
def ask_twinning(request: HttpRequest, payload: TwinningIn):
    """Ask one of `nearby` (GET /community/twinnings); its référents accept or refuse.
    Send an `Idempotency-Key` header."""
    user = signed_in(request)
    community, _membership = _referents_community(user)
    nearby = _nearby(community, list(_links(community)))
    if payload.partner not in {other.pk for other, _distance in nearby}:
        # The form's own refusal: its list is the only choice (an unknown id, one too far
        # or already linked, this community itself).
        message = _("Choisissez une communauté de la liste.")
        raise ApiError(422, "invalid", message, {"partner": [message]})
    form = TwinningRequestForm(data={"partner": payload.partner}, nearby=nearby)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    try:
        twinning = services.request_twinning(user, community, form.cleaned_data["partner"])
    except ValidationError as error:
        raise ValidationError({"partner": error}) from None
    twinning = Twinning.objects.select_related("requester", "partner").get(pk=twinning.pk)
    return Status(201, _twinning_out(community, twinning))


def _twinning_of(community: Community, twinning_id: int) -> Twinning:
    twinning = (
        Twinning.objects.filter(Q(requester=community) | Q(partner=community))
        .select_related("requester", "partner")
        .filter(pk=twinning_id)
        .first()
    )
    if twinning is None:
        raise Http404
    return twinning


def _decide(request: HttpRequest, twinning_id: int, service) -> TwinningOut:
    user = signed_in(request)
    community, _membership = _referents_community(user)
    twinning = service(user, _twinning_of(community, twinning_id))
    return _twinning_out(community, twinning)


@router.post(
    "/community/twinnings/{id:twinning_id}/accept",
    response={200: TwinningOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Accept a twinning request (référents)",
)
@decorate_view(idempotent)
def accept_twinning(request: HttpRequest, twinning_id: int):
    """A request this community received becomes an active twinning."""
    return _decide(request, twinning_id, services.accept_twinning)


@router.post(
    "/community/twinnings/{id:twinning_id}/refuse",
    response={200: TwinningOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Refuse a twinning request (référents)",
)
@decorate_view(idempotent)
def refuse_twinning(request: HttpRequest, twinning_id: int):
    """A request this community received is declined; the other side is told."""
    return _decide(request, twinning_id, services.decline_twinning)


@router.post(
    "/community/twinnings/{id:twinning_id}/end",
    response={200: TwinningOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="End a twinning (référents)",
)
@decorate_view(idempotent)
def end_twinning(request: HttpRequest, twinning_id: int):
    """End an active twinning (either side), or withdraw the request this community
    sent. The alerts and messages between the two stop; the other side is told. The app
    should ask to confirm first, as the website does."""
    return _decide(request, twinning_id, services.end_twinning)
