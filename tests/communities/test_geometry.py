import json

import pytest

from monquartier.communities import geometry, lookups, services
from monquartier.communities.geometry import AreaError, parse_area
from tests import factories


def ring(*points):
    return {"type": "Polygon", "coordinates": [[list(point) for point in points]]}


def test_a_square_of_600_m_measures_about_360_000_m2():
    polygon = parse_area(factories.square(5.359, -3.961, side_m=600))
    assert geometry.area_m2(polygon) == pytest.approx(360_000, rel=0.01)


def test_the_area_agrees_with_the_geodesic_area():
    from pyproj import Geod

    polygon = parse_area(factories.square(5.359, -3.961, side_m=990))
    geodesic, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(polygon)
    assert geometry.area_m2(polygon) == pytest.approx(abs(geodesic), rel=0.002)


def test_text_features_and_open_rings_are_accepted():
    area = factories.square(5.359, -3.961)
    open_ring = {"type": "Polygon", "coordinates": [area["coordinates"][0][:-1]]}
    feature = {"type": "Feature", "properties": {}, "geometry": area}
    for raw in (json.dumps(area), open_ring, feature):
        assert parse_area(raw).is_valid


def test_the_ring_is_stored_counter_clockwise_and_closed():
    area = factories.square(5.359, -3.961)
    clockwise = {"type": "Polygon", "coordinates": [list(reversed(area["coordinates"][0]))]}
    polygon = parse_area(clockwise)
    assert polygon.exterior.is_ccw
    stored = geometry.to_geojson(polygon)["coordinates"][0]
    assert stored[0] == stored[-1]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("pas du json", "garbage"),
        ("{", "garbage"),
        ("[" * 5000 + "]" * 5000, "garbage"),
        ("[[[]]]", "not_polygon"),
        (json.dumps({"type": "Point", "coordinates": [-3.96, 5.36]}), "not_polygon"),
        ({"type": "Polygon"}, "garbage"),
        ({"type": "Polygon", "coordinates": "abc"}, "garbage"),
        (
            {"type": "Polygon", "coordinates": [[["-3.96", "5.35"], [-3.95, 5.35], [-3.95, 5.36]]]},
            "garbage",
        ),
        (
            {"type": "Polygon", "coordinates": [[[True, 5.35], [-3.95, 5.35], [-3.95, 5.36]]]},
            "garbage",
        ),
        ({"type": "Polygon", "coordinates": [[[-3.96], [-3.95, 5.35], [-3.95, 5.36]]]}, "garbage"),
        (
            '{"type": "Polygon", "coordinates": [[[NaN, 5.35], [-3.95, 5.35], [-3.95, 5.36]]]}',
            "garbage",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[1e999, 5.35], [-3.95, 5.35], [-3.95, 5.36]]]}',
            "garbage",
        ),
        (ring((-3.96, 95.0), (-3.95, 5.35), (-3.95, 5.36)), "out_of_range"),
        (ring((1e30, 5.35), (-3.95, 5.35), (-3.95, 5.36)), "out_of_range"),
        (ring((-3.96, 5.35), (-3.95, 5.35)), "too_few_points"),
        (ring((-3.96, 5.35), (-3.96, 5.35), (-3.95, 5.36), (-3.96, 5.35)), "too_few_points"),
        (ring((-3.96, 5.35), (-3.95, 5.35), (-3.94, 5.35)), "flat"),
        # A bow tie: its edges cross.
        (ring((-3.96, 5.35), (-3.95, 5.36), (-3.95, 5.35), (-3.96, 5.36)), "self_intersection"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    factories.square(5.359, -3.961)["coordinates"][0],
                    factories.square(5.359, -3.961, 100)["coordinates"][0],
                ],
            },
            "holes",
        ),
        (ring(*[(-3.96 + i * 1e-5, 5.35 + (i % 2) * 1e-5) for i in range(400)]), "too_many_points"),
    ],
)
def test_bad_areas_are_refused_with_a_reason(raw, code):
    with pytest.raises(AreaError) as caught:
        parse_area(raw)
    assert caught.value.code == code
    assert caught.value.messages[0]


def test_more_than_1_km2_is_refused_unless_exempted():
    polygon = parse_area(factories.square(5.359, -3.961, side_m=1100))
    with pytest.raises(AreaError) as caught:
        geometry.check_size(polygon)
    assert caught.value.code == "too_large"
    assert "1,21 km²" in caught.value.messages[0]
    assert geometry.check_size(polygon, rural_exemption=True) > 1_000_000


def test_containment_counts_the_edge_as_inside():
    area = factories.square(5.359, -3.961, side_m=600)
    west_edge = area["coordinates"][0][0][0]
    assert geometry.covers(area, west_edge, 5.359)
    assert geometry.covers(area, -3.961, 5.359)
    assert not geometry.covers(area, west_edge - 0.0001, 5.359)


@pytest.mark.django_db
def test_the_community_containing_a_point(riviera, riviera3):
    assert lookups.community_containing(5.3590, -3.9610) == riviera
    assert lookups.community_containing(5.3590, -3.9538) == riviera3
    assert lookups.community_containing(5.3590, -3.9574) is None  # the gap between them
    assert lookups.community_containing(5.3265, -4.1060) is None  # Yopougon


@pytest.mark.django_db
def test_a_point_on_a_shared_edge_belongs_to_one_community(awa, issa):
    left = factories.make_community(awa, name="Gauche", centre=(5.3590, -3.9610))
    # A neighbour whose west edge is exactly the first one's east edge.
    east_edge = left.max_longitude
    right_area = {
        "type": "Polygon",
        "coordinates": [
            [
                [east_edge, left.min_latitude],
                [east_edge + 0.004, left.min_latitude],
                [east_edge + 0.004, left.max_latitude],
                [east_edge, left.max_latitude],
                [east_edge, left.min_latitude],
            ]
        ],
    }
    from monquartier.accounts.models import Home

    Home.objects.filter(user=issa).update(
        latitude=5.3590, longitude=east_edge + 0.002, commune=factories.commune("cocody")
    )
    right = services.create_community(
        issa, name="Droite", commune=factories.commune("cocody"), area=right_area
    )
    assert lookups.community_containing(5.3590, east_edge) == left  # the lower id, always
    assert lookups.community_containing(5.3590, east_edge + 0.001) == right


@pytest.mark.django_db
def test_an_overlapping_area_is_refused_with_the_other_name(riviera, issa):
    from monquartier.accounts.models import Home

    Home.objects.filter(user=issa).update(
        latitude=5.3590, longitude=-3.9570, commune=factories.commune("cocody")
    )
    with pytest.raises(AreaError) as caught:
        services.create_community(
            issa,
            name="Riviera Sud",
            commune=factories.commune("cocody"),
            area=factories.square(5.3590, -3.9570, side_m=600),
        )
    assert caught.value.code == "overlap"
    assert "Riviera 2" in caught.value.messages[0]


@pytest.mark.django_db
def test_distances_between_areas(riviera, riviera3):
    first = geometry.polygon_from_geojson(riviera.area)
    second = geometry.polygon_from_geojson(riviera3.area)
    assert 150 < geometry.distance_m(first, second) < 250
    near = lookups.communities_near(first, within_m=3000, exclude=riviera)
    assert [community for community, _distance in near] == [riviera3]
