"""The community's area, name and settings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import Point, Polygon

from monquartier.accounts.models import Home, User
from monquartier.communities import commune_rules, geometry, lookups, privacy
from monquartier.communities.models import (
    ACKNOWLEDGEMENT_MINUTES_MAX,
    ACKNOWLEDGEMENT_MINUTES_MIN,
    Community,
    MembershipStatus,
    MovementKind,
    ValidationMode,
)
from monquartier.communities.pagecache import communities_changed
from monquartier.communities.services._common import (
    _check_area,
    _clean_name,
    _lock_area_writes,
    _log,
    require_referent,
)


def members_outside(community: Community, polygon) -> list[User]:
    """Active members whose home pin the polygon would leave out."""
    homes = Home.objects.filter(
        user__memberships__community=community, user__memberships__status=MembershipStatus.ACTIVE
    ).select_related("user")
    return [home.user for home in homes if not polygon.covers(Point(home.longitude, home.latitude))]


def preview_boundary(community: Community, area) -> tuple[Polygon, float, list[User]]:
    """Check a new area without saving it: (polygon, m², members left outside)."""
    polygon = geometry.parse_area(area)
    area_m2 = _check_area(
        polygon,
        rural_exemption=community.rural_exemption,
        max_area_m2=community.rural_max_area_m2,
        exclude=community,
    )
    return polygon, area_m2, members_outside(community, polygon)


@transaction.atomic(durable=True)
def change_boundary(
    actor: User, community: Community, area, *, name: str | None = None, leave_outside: bool = False
) -> Community:
    """The référents' "Délimitation et nom" form in one step: the area (size, overlap,
    members left outside) and the name are all checked before anything is saved, so a
    refused name never leaves a new area behind. Raises ValidationError keyed by the
    form's fields (area, name, leave_outside)."""
    require_referent(actor, community)
    community = Community.objects.select_for_update().get(pk=community.pk)
    _lock_area_writes()
    errors: dict[str, list[ValidationError]] = {}
    if name is not None:
        try:
            name = _clean_name(name)
        except ValidationError as error:
            errors["name"] = error.error_list
    try:
        polygon, area_m2, outside = preview_boundary(community, area)
    except ValidationError as error:
        errors["area"] = error.error_list
    else:
        if outside and not leave_outside:
            names = privacy.names_seen_by(actor, outside)
            errors["leave_outside"] = [
                ValidationError(
                    ngettext(
                        "Avec ce périmètre, %(count)s membre se retrouverait dehors : "
                        "%(names)s. Prévenez-le, cochez la case et enregistrez à nouveau.",
                        "Avec ce périmètre, %(count)s membres se retrouveraient dehors : "
                        "%(names)s. Prévenez-les, cochez la case et enregistrez à nouveau.",
                        len(outside),
                    )
                    % {
                        "count": len(outside),
                        "names": ", ".join(names[user.pk] for user in outside),
                    },
                    code="members_outside",
                )
            ]
    if errors:
        raise ValidationError(errors)
    if geometry.to_geojson(polygon) != community.area:
        lookups.store_area(community, polygon)
        community.area_m2 = area_m2
        community.save()
        lookups.index_cells(community)
        _log(community, MovementKind.BOUNDARY_CHANGED, actor=actor, detail=f"{area_m2:.0f} m²")
    if name is not None and name != community.name:
        old = community.name
        community.name = name
        community.save(update_fields=["name", "updated_at"])
        _log(community, MovementKind.RENAMED, actor=actor, detail=f"{old} → {name}")
    return community


@transaction.atomic
def update_community_settings(
    actor: User,
    community: Community,
    *,
    validation_mode: str,
    public_page: bool,
    presentation: str,
    acknowledgement_minutes: int | None = None,
) -> Community:
    require_referent(actor, community)
    if validation_mode not in ValidationMode.values:
        raise ValidationError(_("Mode de validation inconnu."), code="mode")
    imposed = commune_rules.commune_mode(community.commune_id)
    if imposed is not None and validation_mode != imposed:
        raise ValidationError(
            {
                "validation_mode": ValidationError(
                    _(
                        "La mairie partenaire de la commune décide de la validation des adhésions : "
                        "vous ne pouvez pas la changer."
                    ),
                    code="mode_set_by_town_hall",
                )
            }
        )
    if imposed is None and validation_mode == ValidationMode.TOWN_HALL:
        raise ValidationError(
            {
                "validation_mode": ValidationError(
                    _("Seule une mairie partenaire peut valider elle-même les adhésions."),
                    code="mode_town_hall",
                )
            }
        )
    presentation = (presentation or "").strip()
    if len(presentation) > 1000:
        raise ValidationError(
            _("La présentation fait 1 000 caractères au plus."), code="presentation_long"
        )
    if acknowledgement_minutes is None:
        acknowledgement_minutes = community.acknowledgement_minutes
    if not ACKNOWLEDGEMENT_MINUTES_MIN <= acknowledgement_minutes <= ACKNOWLEDGEMENT_MINUTES_MAX:
        raise ValidationError(
            {
                "acknowledgement_minutes": ValidationError(
                    _("Le délai avant escalade est de %(low)s à %(high)s minutes.")
                    % {"low": ACKNOWLEDGEMENT_MINUTES_MIN, "high": ACKNOWLEDGEMENT_MINUTES_MAX},
                    code="acknowledgement_minutes",
                )
            }
        )
    Community.objects.filter(pk=community.pk).update(
        validation_mode=validation_mode,
        public_page=public_page,
        presentation=presentation,
        acknowledgement_minutes=acknowledgement_minutes,
        updated_at=timezone.now(),
    )
    communities_changed([community.pk])
    community.refresh_from_db()
    return community
