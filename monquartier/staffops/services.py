"""What staff do to communities that référents cannot: merge them, redraw an area to end
an overlap, grant or remove a rural exemption.

Each operation is one transaction that locks the communities it changes (and the lock
that serialises area writes, like the référents' boundary editor), checks everything
before it writes, tells the members concerned, and records itself in the audit log. A
refused operation raises ValidationError with a message for the staff member, and
changes nothing.
"""

from dataclasses import dataclass, field
from typing import cast

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from monquartier.accounts.models import User
from monquartier.alerts.models import Alert
from monquartier.audit import log as audit_log
from monquartier.communities import geometry, lookups, privacy
from monquartier.communities.models import (
    Community,
    CommunityCell,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
)
from monquartier.communities.services import members_outside

# The area checks and the history line the référents' own services use: a staff edit
# passes the same checks, under the same lock.
from monquartier.communities.services._common import _check_area, _lock_area_writes, _log
from monquartier.gazette.models import Post
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.townhalls import stats as dashboard_stats

MAX_MERGED = 5
# Communities merged together are neighbours: each lies this close to the others.
MERGE_NEAR_M = 1_000
NOTE_MIN_LENGTH = 10
NOTE_MAX_LENGTH = 1_000
# Gaps this narrow between two areas drawn edge to edge are closed by the union
# (about 10 cm): their référents meant them to touch.
_SEAM_DEGREES = 1e-6
_OPEN_TWINNINGS = (TwinningStatus.REQUESTED, TwinningStatus.ACTIVE)


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier peut faire cela."))


def _clean_note(text: str, *, code: str, message: str) -> str:
    text = (text or "").strip()
    if len(text) < NOTE_MIN_LENGTH:
        raise ValidationError(message, code=code)
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("%(max)s caractères au plus.") % {"max": f"{NOTE_MAX_LENGTH:,}".replace(",", " ")},
            code=f"{code}_long",
        )
    return text


def _clean_reason(reason: str) -> str:
    """The motive staff give for changing an area or an exemption."""
    return _clean_note(
        reason,
        code="reason_required",
        message=_("Indiquez le motif en quelques mots (10 caractères au moins)."),
    )


# --- Merging communities ---------------------------------------------------------


@dataclass
class MergePlan:
    """What a merge would do, computed without writing: the preview staff read, and the
    plan the merge follows once they confirm."""

    keep: Community
    absorbed: list[Community]
    polygon: Polygon | None = None
    area_m2: float | None = None
    # The ceiling the united area is checked against; None: a rural exemption without one.
    limit_m2: float | None = geometry.MAX_AREA_M2
    rural_exemption: bool = False
    hull: bool = False
    members: int = 0
    pending: int = 0
    posts: int = 0
    alerts: int = 0
    history: int = 0
    twinnings_moved: int = 0
    twinnings_dropped: int = 0
    referent_ids: list[int] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def communities(self) -> list[Community]:
        return [self.keep, *self.absorbed]

    @property
    def ids(self) -> list[int]:
        return [community.pk for community in self.communities]

    @property
    def possible(self) -> bool:
        return not self.errors


def united_area(polygons: list[Polygon]) -> tuple[Polygon, bool]:
    """One area covering all of `polygons`: their union when they touch (holes filled),
    else the smallest convex area around them. Returns (area, True when convex hull)."""
    seamless = (
        shapely.union_all(
            [polygon.buffer(_SEAM_DEGREES, join_style="mitre") for polygon in polygons]
        )
        .buffer(-_SEAM_DEGREES, join_style="mitre")
        .simplify(_SEAM_DEGREES / 10, preserve_topology=True)
    )
    if isinstance(seamless, Polygon) and not seamless.is_empty:
        filled = Polygon(seamless.exterior)
        if len(filled.exterior.coords) - 1 <= geometry.MAX_VERTICES:
            return filled, False
    hull = shapely.union_all(polygons).convex_hull
    if not isinstance(hull, Polygon):  # areas in the database always enclose a surface
        raise ValueError("The convex hull of community areas is not a polygon.")
    return Polygon(hull.exterior), True


def _twinning_plan(
    ids: set[int], keep: Community, *, lock: bool = False
) -> tuple[list[tuple[Twinning, int, int]], list[Twinning]]:
    """Which twinnings of the merged communities move to the kept one, as (twinning,
    new requester id, new partner id), and which are dropped: a twinning between two of
    them (it would twin the community with itself), or a second open twinning with the
    same neighbour (the active one stays, else the oldest)."""
    # The kept community's own twinnings too: a neighbour twinned with two of them
    # keeps one twinning.
    every = [*ids, keep.pk]
    twinnings = Twinning.objects.filter(
        models.Q(requester_id__in=every) | models.Q(partner_id__in=every)
    ).order_by("pk")
    involved = list(twinnings.select_for_update() if lock else twinnings)
    moves: list[tuple[Twinning, int, int]] = []
    dropped: list[Twinning] = []
    open_with: dict[int, tuple[Twinning, int, int]] = {}
    for twinning in sorted(
        involved, key=lambda item: (item.status != TwinningStatus.ACTIVE, item.pk)
    ):
        requester = keep.pk if twinning.requester_id in ids else twinning.requester_id
        partner = keep.pk if twinning.partner_id in ids else twinning.partner_id
        if requester == partner:
            dropped.append(twinning)
            continue
        neighbour = partner if requester == keep.pk else requester
        if twinning.status in _OPEN_TWINNINGS:
            if neighbour in open_with:
                dropped.append(twinning)
                continue
            open_with[neighbour] = (twinning, requester, partner)
        moves.append((twinning, requester, partner))
    return moves, dropped


def plan_merge(communities: list[Community], keep: Community) -> MergePlan:
    """Check a merge of `communities` into `keep` without writing anything."""
    unique = list({community.pk: community for community in communities}.values())
    absorbed = [community for community in unique if community.pk != keep.pk]
    plan = MergePlan(keep=keep, absorbed=absorbed)
    if not absorbed:
        plan.errors.append(
            ValidationError(_("Choisissez au moins deux communautés à réunir."), code="too_few")
        )
        return plan
    if len(unique) > MAX_MERGED:
        plan.errors.append(
            ValidationError(
                _("On réunit %(max)s communautés au plus à la fois.") % {"max": MAX_MERGED},
                code="too_many",
            )
        )
        return plan
    if keep.pk not in {community.pk for community in unique}:
        plan.errors.append(
            ValidationError(
                _("La communauté gardée doit faire partie de celles qu'on réunit."),
                code="keep_outside",
            )
        )
        return plan
    if len({community.commune_id for community in unique}) > 1:
        plan.errors.append(
            ValidationError(
                _("Ces communautés sont dans des communes différentes : on ne les réunit pas."),
                code="communes",
            )
        )
    polygons = {community.pk: geometry.polygon_from_geojson(community.area) for community in unique}
    for community in absorbed:
        nearest = min(
            geometry.distance_m(polygons[community.pk], polygon)
            for pk, polygon in polygons.items()
            if pk != community.pk
        )
        if nearest > MERGE_NEAR_M:
            plan.errors.append(
                ValidationError(
                    _(
                        "« %(name)s » est à plus de %(distance)s m des autres communautés : "
                        "on ne réunit que des voisines."
                    )
                    % {"name": community.name, "distance": f"{MERGE_NEAR_M:,}".replace(",", " ")},
                    code="far",
                )
            )

    exempted = [community for community in unique if community.rural_exemption]
    plan.rural_exemption = bool(exempted)
    if exempted:
        maxima = [community.rural_max_area_m2 for community in exempted]
        plan.limit_m2 = None if None in maxima else max(m for m in maxima if m is not None)
    polygon, plan.hull = united_area(list(polygons.values()))
    try:
        polygon = geometry.parse_area(geometry.to_geojson(polygon))
        plan.area_m2 = geometry.area_m2(polygon)
        plan.polygon = polygon
        _check_area(
            polygon,
            rural_exemption=plan.rural_exemption,
            max_area_m2=plan.limit_m2,
            exclude=keep,
            also_exclude=tuple(plan.ids),
        )
    except ValidationError as error:
        plan.errors.extend(error.error_list)

    memberships = Membership.objects.filter(community__in=plan.ids)
    plan.members = memberships.filter(status=MembershipStatus.ACTIVE).count()
    plan.pending = memberships.filter(status=MembershipStatus.PENDING).count()
    plan.referent_ids = list(
        memberships.referents().order_by("community_id", "pk").values_list("user_id", flat=True)
    )
    absorbed_ids = [community.pk for community in absorbed]
    plan.posts = Post.objects.filter(community__in=absorbed_ids).count()
    plan.alerts = Alert.objects.filter(community__in=absorbed_ids).count()
    plan.history = Movement.objects.filter(community__in=absorbed_ids).count()
    moves, dropped = _twinning_plan(set(absorbed_ids), keep)
    plan.twinnings_moved = sum(
        1
        for twinning, requester, partner in moves
        if (twinning.requester_id, twinning.partner_id) != (requester, partner)
    )
    plan.twinnings_dropped = len(dropped)
    return plan


def _repoint(model: type[models.Model], field_name: str, absorbed_ids: list[int], keep) -> None:
    """Move every row of `model` whose `field_name` is an absorbed community to the kept
    one. A row that a unique constraint refuses there (the same thing already exists in
    the kept community) stays behind, and goes with its community."""
    rows = model._default_manager.filter(**{f"{field_name}__in": absorbed_ids})
    try:
        with transaction.atomic():
            rows.update(**{field_name: keep})
        return
    except IntegrityError:
        pass
    for pk in rows.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=pk).update(**{field_name: keep})
        except IntegrityError:
            continue


def _move_everything(absorbed_ids: list[int], keep: Community) -> None:
    """Every row that points to an absorbed community now points to the kept one: the
    memberships (référents stay référents), the history, alerts, posts, reports,
    notifications, counted SMS, the town halls' lists (through their link tables)…
    found from the model relations, so that a model added later is moved too rather
    than deleted with its community."""
    for relation in Community._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue  # many-to-many links move as rows of their link table, below
        related = relation.related_model
        if related in (CommunityCell, Twinning):
            continue  # the cells are rebuilt, the twinnings follow their own plan
        field_name = relation.field.name  # type: ignore[union-attr]
        if related is Movement and field_name == "other_community":
            # Other communities' history names the united one; the kept community's own
            # lines about the absorbed ones keep their text and lose the link.
            Movement.objects.filter(other_community__in=absorbed_ids).exclude(
                community=keep
            ).update(other_community=keep)
            continue
        _repoint(cast(type[models.Model], related), field_name, absorbed_ids, keep)


@transaction.atomic
def merge_communities(
    staff: User,
    communities: list[Community],
    keep: Community,
    *,
    agreement: bool,
    note: str,
    name: str = "",
) -> Community:
    """Merge `communities` into `keep`, once their référents agreed (staff record it with
    a note: who agreed, when, how). The others are deleted, everything they held moved."""
    _require_staff(staff)
    errors: dict[str, list[ValidationError]] = {}
    if not agreement:
        errors["agreement"] = [
            ValidationError(
                _(
                    "Une fusion demande l'accord des référents de chaque communauté : "
                    "obtenez-le, puis cochez la case."
                ),
                code="no_agreement",
            )
        ]
    try:
        note = _clean_note(
            note,
            code="note_required",
            message=_("Notez qui a donné son accord, quand et comment (10 caractères au moins)."),
        )
    except ValidationError as error:
        errors["note"] = error.error_list
    new_name = " ".join((name or "").split())
    if new_name and not 3 <= len(new_name) <= 80:
        errors["name"] = [
            ValidationError(_("Le nom fait de 3 à 80 caractères."), code="name_length")
        ]
    ids = sorted({community.pk for community in communities} | {keep.pk})
    # Locked in the order of their ids, so that two merges never wait for each other.
    locked = {
        community.pk: community
        for community in Community.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    _lock_area_writes()
    if len(locked) != len(ids):
        raise ValidationError(
            _("Une de ces communautés n'existe plus : recommencez depuis la liste."),
            code="gone",
        )
    keep = locked[keep.pk]
    plan = plan_merge(list(locked.values()), keep)
    if plan.errors:
        errors["__all__"] = plan.errors
    if errors:
        raise ValidationError(errors)
    assert plan.polygon is not None and plan.area_m2 is not None  # checked by plan_merge
    absorbed_ids = [community.pk for community in plan.absorbed]
    absorbed_facts = [
        {"id": community.pk, "name": community.name, "area_m2": round(community.area_m2)}
        for community in plan.absorbed
    ]

    moves, dropped = _twinning_plan(set(absorbed_ids), keep, lock=True)
    Twinning.objects.filter(pk__in=[twinning.pk for twinning in dropped]).delete()
    for twinning, requester, partner in moves:
        if (twinning.requester_id, twinning.partner_id) != (requester, partner):
            Twinning.objects.filter(pk=twinning.pk).update(
                requester_id=requester, partner_id=partner
            )
    _move_everything(absorbed_ids, keep)

    old_name = keep.name
    lookups.store_area(keep, plan.polygon)
    keep.area_m2 = plan.area_m2
    keep.rural_exemption = plan.rural_exemption
    keep.rural_max_area_m2 = plan.limit_m2 if plan.rural_exemption else None
    if new_name:
        keep.name = new_name
    keep.save()
    lookups.index_cells(keep)
    merged_names = ", ".join(f"« {facts['name']} »" for facts in absorbed_facts)
    _log(keep, MovementKind.MERGED, actor=staff, detail=merged_names)
    if new_name and new_name != old_name:
        _log(keep, MovementKind.RENAMED, actor=staff, detail=f"{old_name} → {new_name}")
    Community.objects.filter(pk__in=absorbed_ids).delete()
    # The town halls' dashboard counts the moved alerts in the kept community's days.
    dashboard_stats.recount_moved([keep.pk])

    members = list(
        User.objects.filter(
            memberships__community=keep, memberships__status=MembershipStatus.ACTIVE
        )
    )
    notify(
        members,
        kind=NotificationKind.PLATFORM,
        event="community_merged",
        community=keep,
        url=reverse("communities:info", args=[keep.pk]),
        merged=", ".join([f"« {old_name} »", merged_names]),
    )
    audit_log.record(
        staff,
        "community.merge",
        target=keep,
        reason=note,
        details={
            "kept": {"id": keep.pk, "name": old_name, "new_name": keep.name},
            "absorbed": absorbed_facts,
            "area_m2": round(plan.area_m2),
            "convex_hull": plan.hull,
            "members": plan.members,
            "pending": plan.pending,
            "posts": plan.posts,
            "alerts": plan.alerts,
            "twinnings_moved": plan.twinnings_moved,
            "twinnings_dropped": plan.twinnings_dropped,
            "referents": plan.referent_ids,
            "agreement": True,
        },
    )
    return keep


# --- Fixing an overlap: staff redraw an area -------------------------------------


@transaction.atomic
def change_area(
    staff: User, community: Community, area, *, reason: str, leave_outside: bool = False
) -> Community:
    """Staff redraw a community's area (most often to end an overlap with a neighbour),
    with the checks of the référents' editor: size (and the rural exemption), no
    overlap with another community, members left outside only once staff confirm."""
    _require_staff(staff)
    errors: dict[str, list[ValidationError]] = {}
    try:
        reason = _clean_reason(reason)
    except ValidationError as error:
        errors["reason"] = error.error_list
    community = Community.objects.select_for_update().get(pk=community.pk)
    _lock_area_writes()
    polygon = None
    area_m2 = 0.0
    outside: list[User] = []
    try:
        polygon = geometry.parse_area(area)
        area_m2 = _check_area(
            polygon,
            rural_exemption=community.rural_exemption,
            max_area_m2=community.rural_max_area_m2,
            exclude=community,
        )
    except ValidationError as error:
        errors["area"] = error.error_list
    else:
        outside = members_outside(community, polygon)
        if outside and not leave_outside:
            names = privacy.names_seen_by(staff, outside)
            errors["leave_outside"] = [
                ValidationError(
                    _(
                        "Avec ce périmètre, ces membres se retrouveraient dehors : %(names)s. "
                        "Prévenez-les, cochez la case et enregistrez à nouveau."
                    )
                    % {"names": ", ".join(names[user.pk] for user in outside)},
                    code="members_outside",
                )
            ]
    if errors:
        raise ValidationError(errors)
    assert polygon is not None
    if geometry.to_geojson(polygon) == community.area:
        raise ValidationError(
            {"area": [ValidationError(_("Le périmètre n'a pas changé."), code="unchanged")]}
        )
    before_m2 = community.area_m2
    lookups.store_area(community, polygon)
    community.area_m2 = area_m2
    community.save()
    lookups.index_cells(community)
    _log(community, MovementKind.BOUNDARY_CHANGED, actor=staff, detail=f"{area_m2:.0f} m²")
    notify(
        _referents(community),
        kind=NotificationKind.PLATFORM,
        event="community_area_changed",
        community=community,
        url=reverse("communities:info", args=[community.pk]),
    )
    audit_log.record(
        staff,
        "community.area",
        target=community,
        reason=reason,
        details={
            "area_m2_before": round(before_m2),
            "area_m2": round(area_m2),
            "members_left_outside": [user.pk for user in outside],
        },
    )
    return community


def _referents(community: Community) -> list[User]:
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__is_referent=True,
        )
    )


# --- Rural exemption ----------------------------------------------------------------

# The largest area an exemption may allow: any area fits in RURAL_MAX_SPAN_M square.
MAX_EXEMPTION_KM2 = 100


@transaction.atomic
def grant_rural_exemption(
    staff: User, community: Community, *, max_area_km2, reason: str
) -> Community:
    """Allow a rural community a larger area, up to `max_area_km2` (a number of km²
    between 1 and 100; it may also change the ceiling of an exemption already given).
    Refused below the community's current area."""
    _require_staff(staff)
    errors: dict[str, list[ValidationError]] = {}
    try:
        reason = _clean_reason(reason)
    except ValidationError as error:
        errors["reason"] = error.error_list
    community = Community.objects.select_for_update().get(pk=community.pk)
    try:
        maximum = float(max_area_km2)
    except (TypeError, ValueError, OverflowError):
        maximum = float("nan")
    if not 1 < maximum <= MAX_EXEMPTION_KM2:
        errors["max_area_km2"] = [
            ValidationError(
                _("La surface maximale est un nombre de km² plus grand que 1 et d'au plus %(max)s.")
                % {"max": MAX_EXEMPTION_KM2},
                code="max_area",
            )
        ]
    elif maximum * 1_000_000 < community.area_m2:
        errors["max_area_km2"] = [
            ValidationError(
                _("La communauté couvre déjà %(area)s km² : choisissez au moins cette surface.")
                % {"area": f"{community.area_m2 / 1_000_000:.2f}".replace(".", ",")},
                code="below_current",
            )
        ]
    if errors:
        raise ValidationError(errors)
    before = _exemption_facts(community)
    community.rural_exemption = True
    community.rural_max_area_m2 = round(maximum * 1_000_000)
    community.save(update_fields=["rural_exemption", "rural_max_area_m2", "updated_at"])
    change = _("jusqu'à %(max)s km²") % {"max": f"{maximum:g}".replace(".", ",")}
    _exemption_changed(staff, community, "community.rural_exemption.grant", reason, before, change)
    return community


@transaction.atomic
def remove_rural_exemption(staff: User, community: Community, *, reason: str) -> Community:
    """Back to the normal limit: refused while the area exceeds it (staff redraw the
    area first, with change_area)."""
    _require_staff(staff)
    reason_clean = _clean_reason(reason)
    community = Community.objects.select_for_update().get(pk=community.pk)
    if not community.rural_exemption:
        raise ValidationError(_("Cette communauté n'a pas de dérogation rurale."), code="none")
    try:
        geometry.check_size(geometry.polygon_from_geojson(community.area))
    except geometry.AreaError as error:
        raise ValidationError(
            _(
                "Le périmètre actuel dépasse la limite normale (%(reason)s). Réduisez-le "
                "d'abord depuis « Modifier le périmètre », puis retirez la dérogation."
            )
            % {"reason": " ".join(error.messages)},
            code="too_large_without_exemption",
        ) from None
    before = _exemption_facts(community)
    community.rural_exemption = False
    community.rural_max_area_m2 = None
    community.save(update_fields=["rural_exemption", "rural_max_area_m2", "updated_at"])
    change = _("retour à la limite de 1 km²")
    _exemption_changed(
        staff, community, "community.rural_exemption.remove", reason_clean, before, change
    )
    return community


def _exemption_facts(community: Community) -> dict:
    return {"rural_exemption": community.rural_exemption, "max_m2": community.rural_max_area_m2}


def _exemption_changed(staff, community, action: str, reason: str, before: dict, change) -> None:
    _log(community, MovementKind.RURAL_EXEMPTION, actor=staff, detail=str(change))
    notify(
        _referents(community),
        kind=NotificationKind.PLATFORM,
        event="rural_exemption_changed",
        community=community,
        change=str(change),
    )
    audit_log.record(
        staff,
        action,
        target=community,
        reason=reason,
        details={"before": before, "after": _exemption_facts(community)},
    )
