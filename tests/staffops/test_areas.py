"""Staff redraw an area (to end an overlap) and grant or remove a rural exemption, with
the checks of the référents' editor."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monquartier.audit.models import AuditEntry
from monquartier.communities import geometry, lookups
from monquartier.communities import services as community_services
from monquartier.communities.models import Community, Movement, MovementKind
from monquartier.notifications.models import Notification
from monquartier.staffops import services
from tests.factories import RIVIERA, log_in, square

REASON = "Chevauchement signalé par Koffi, demande n° 12."


def _overlapping_neighbour(riviera):
    """A community drawn before the overlap check existed: it overlaps Riviera 2."""
    neighbour = Community.objects.create(
        name="Riviera Palmeraie",
        commune=riviera.commune,
        area={},
        area_m2=0,
        min_latitude=0,
        max_latitude=0,
        min_longitude=0,
        max_longitude=0,
        centre_latitude=0,
        centre_longitude=0,
    )
    polygon = geometry.parse_area(square(RIVIERA[0], RIVIERA[1] + 0.005, side_m=600))
    lookups.store_area(neighbour, polygon)
    neighbour.area_m2 = geometry.area_m2(polygon)
    neighbour.save()
    lookups.index_cells(neighbour)
    return neighbour


def test_staff_end_an_overlap_by_redrawing_one_area(mariam, riviera, awa):
    neighbour = _overlapping_neighbour(riviera)
    assert lookups.communities_overlapping(
        geometry.polygon_from_geojson(neighbour.area), exclude=neighbour
    )
    # Its area moved 250 m further east: it no longer overlaps Riviera 2.
    redrawn = square(RIVIERA[0], RIVIERA[1] + 0.0072, side_m=600)

    services.change_area(mariam, neighbour, redrawn, reason=REASON)

    neighbour.refresh_from_db()
    assert not lookups.communities_overlapping(
        geometry.polygon_from_geojson(neighbour.area), exclude=neighbour
    )
    entry = AuditEntry.objects.get(action="community.area")
    assert entry.actor == mariam and entry.reason == REASON
    assert entry.target == f"communities.community:{neighbour.pk}"
    assert Movement.objects.filter(community=neighbour, kind=MovementKind.BOUNDARY_CHANGED)


def test_a_redrawn_area_passes_the_same_checks_as_the_referents(mariam, riviera, riviera3):
    # Over Riviera 3: refused like in the référents' editor.
    over = square(RIVIERA[0], RIVIERA[1] + 0.004, side_m=600)
    with pytest.raises(ValidationError, match="Riviera 3"):
        services.change_area(mariam, riviera, over, reason=REASON)
    too_large = square(RIVIERA[0] - 0.02, RIVIERA[1], side_m=1_200)
    with pytest.raises(ValidationError, match="1 km² au plus"):
        services.change_area(mariam, riviera, too_large, reason=REASON)
    with pytest.raises(ValidationError, match="illisible"):
        services.change_area(mariam, riviera, "{not json", reason=REASON)
    with pytest.raises(ValidationError) as refused:
        services.change_area(mariam, riviera, square(*RIVIERA, side_m=500), reason="")
    assert "reason" in refused.value.error_dict
    assert not AuditEntry.objects.exists()


def test_members_left_outside_need_staffs_confirmation(mariam, riviera, yao, awa):
    elsewhere = square(RIVIERA[0] + 0.004, RIVIERA[1], side_m=300)
    with pytest.raises(ValidationError) as refused:
        services.change_area(mariam, riviera, elsewhere, reason=REASON)
    assert "leave_outside" in refused.value.error_dict
    services.change_area(mariam, riviera, elsewhere, reason=REASON, leave_outside=True)
    told = Notification.objects.filter(event="community_area_changed")
    assert [n.recipient for n in told] == [awa]
    entry = AuditEntry.objects.get(action="community.area")
    assert set(entry.details["members_left_outside"]) == {awa.pk, yao.pk}


def test_only_staff_redraw(riviera, awa):
    with pytest.raises(PermissionDenied):
        services.change_area(awa, riviera, square(*RIVIERA, side_m=500), reason=REASON)


def test_a_rural_exemption_with_a_maximum_lets_the_referents_grow_their_area_to_it(
    mariam, riviera, awa
):
    services.grant_rural_exemption(
        mariam, riviera, max_area_km2="4", reason="Village de 600 habitants, demande n° 3."
    )
    riviera.refresh_from_db()
    assert riviera.rural_exemption and riviera.rural_max_area_m2 == 4_000_000
    entry = AuditEntry.objects.get(action="community.rural_exemption.grant")
    assert entry.details["after"] == {"rural_exemption": True, "max_m2": 4_000_000}

    # 1.7 × 1.7 km: allowed now; 2.2 × 2.2 km: over the exemption's maximum.
    community_services.change_boundary(awa, riviera, square(*RIVIERA, side_m=1_700))
    with pytest.raises(ValidationError, match="4,00 km² au plus"):
        community_services.change_boundary(awa, riviera, square(*RIVIERA, side_m=2_200))


@pytest.mark.parametrize("maximum", ["0.5", "1", "abc", None, "1e400", "101"])
def test_a_maximum_out_of_range_is_refused(mariam, riviera, maximum):
    with pytest.raises(ValidationError) as refused:
        services.grant_rural_exemption(mariam, riviera, max_area_km2=maximum, reason=REASON)
    assert "max_area_km2" in refused.value.error_dict
    riviera.refresh_from_db()
    assert not riviera.rural_exemption


def test_a_maximum_below_the_current_area_is_refused(mariam, riviera, awa):
    services.grant_rural_exemption(mariam, riviera, max_area_km2=5, reason=REASON)
    community_services.change_boundary(awa, riviera, square(*RIVIERA, side_m=1_800))
    with pytest.raises(ValidationError, match="déjà 3,2"):
        services.grant_rural_exemption(mariam, riviera, max_area_km2=2, reason=REASON)


def test_removing_an_exemption_is_refused_while_the_area_exceeds_the_limit(mariam, riviera, awa):
    services.grant_rural_exemption(mariam, riviera, max_area_km2=5, reason=REASON)
    community_services.change_boundary(awa, riviera, square(*RIVIERA, side_m=1_800))

    with pytest.raises(ValidationError, match="dépasse la limite normale"):
        services.remove_rural_exemption(mariam, riviera, reason=REASON)
    riviera.refresh_from_db()
    assert riviera.rural_exemption

    # Staff shrink it first, then the exemption goes.
    services.change_area(
        mariam, riviera, square(*RIVIERA, side_m=900), reason=REASON, leave_outside=True
    )
    services.remove_rural_exemption(mariam, riviera, reason=REASON)
    riviera.refresh_from_db()
    assert not riviera.rural_exemption and riviera.rural_max_area_m2 is None
    assert AuditEntry.objects.filter(action="community.rural_exemption.remove").count() == 1
    assert Notification.objects.filter(event="rural_exemption_changed").count() == 2


def test_no_exemption_to_remove(mariam, riviera):
    with pytest.raises(ValidationError, match="pas de dérogation"):
        services.remove_rural_exemption(mariam, riviera, reason=REASON)


def test_the_referents_map_editor_is_told_the_exemptions_maximum(client, mariam, riviera, awa):
    services.grant_rural_exemption(mariam, riviera, max_area_km2=3, reason=REASON)
    log_in(client, awa)
    response = client.get(reverse("communities:boundary", args=[riviera.pk]))
    assert response.context["editor_context"]["max_area"] == 3_000_000
