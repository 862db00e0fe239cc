"""Merging communities: the plan, the checks, what moves, who is told, the audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from monquartier.alerts.models import Alert
from monquartier.audit.models import AuditEntry
from monquartier.communities import geometry, lookups
from monquartier.communities.models import (
    Community,
    Membership,
    MembershipStatus,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
)
from monquartier.gazette.access import get_post_for_reader
from monquartier.moderation.models import ExclusionRequest, Report
from monquartier.notifications.events import describe
from monquartier.notifications.models import Notification
from monquartier.outbox.models import TextMessage
from monquartier.staffops import services
from monquartier.townhalls.models import Announcement
from tests.factories import add_pending, log_in, make_community, make_post, make_user, twin

# The centre of an 800 m square whose west edge is the east edge of the one at RIVIERA.
EDGE_TO_EDGE = (5.3590, -3.953782)
AGREED = {"agreement": True, "note": "Awa et Koffi ont donné leur accord par téléphone le 28/11."}


def _merge(staff, keep, *others, **options):
    return services.merge_communities(staff, [keep, *others], keep, **{**AGREED, **options})


def test_a_merge_moves_members_posts_alerts_and_history_and_keeps_the_referents(
    mariam, riviera, riviera3, awa, yao, koffi, aya
):
    post = make_post(aya, title="Perdu : chat tigré")
    alert = Alert.objects.create(community=riviera3, sender=koffi, category="suspect", text="x")
    salif = add_pending(riviera3, make_user("Salif", "Touré")).user
    history = Movement.objects.filter(community=riviera3).count()
    riviera3_id = riviera3.pk
    before_m2 = riviera.area_m2

    # 200 m apart: the united area is the shortest one around both.
    assert services.plan_merge([riviera, riviera3], riviera).hull
    united = _merge(mariam, riviera, riviera3, name="Riviera 2 et 3")

    assert united.pk == riviera.pk and united.name == "Riviera 2 et 3"
    assert not Community.objects.filter(pk=riviera3_id).exists()
    active = Membership.objects.filter(community=united, status=MembershipStatus.ACTIVE)
    assert {m.user for m in active} == {awa, yao, koffi, aya}
    assert {m.user for m in active.filter(is_referent=True)} == {awa, koffi}
    assert Membership.objects.get(user=salif).community == united
    post.refresh_from_db()
    alert.refresh_from_db()
    assert post.community == united and alert.community == united
    # Its history came along, plus the line of the merge itself.
    assert Movement.objects.filter(community=united, kind=MovementKind.MERGED).count() == 1
    assert Movement.objects.filter(community=united).count() >= history + 1
    # The united area covers both, and the place lookups find it everywhere.
    assert united.area_m2 > before_m2 * 2
    assert lookups.community_containing(5.3590, -3.9538) == united
    assert lookups.community_containing(5.3590, -3.9610) == united
    geometry.parse_area(united.area)  # a valid area, within the bounds of any area


def test_every_member_is_told(mariam, riviera, riviera3, awa, yao, koffi, aya):
    _merge(mariam, riviera, riviera3)

    told = Notification.objects.filter(event="community_merged")
    assert {n.recipient for n in told} == {awa, yao, koffi, aya}
    assert all(n.community_id == riviera.pk for n in told)
    assert "Riviera 3" in told.first().data["merged"]


def test_the_merge_is_in_the_audit_log_with_the_agreement(mariam, riviera, riviera3, aya):
    riviera3_id = riviera3.pk
    _merge(mariam, riviera, riviera3)

    entry = AuditEntry.objects.get(action="community.merge")
    assert entry.actor == mariam
    assert entry.target == f"communities.community:{riviera.pk}"
    assert "téléphone" in entry.reason
    assert entry.details["absorbed"][0]["id"] == riviera3_id
    assert entry.details["agreement"] is True
    assert entry.details["members"] == 4


def test_twinnings_follow_without_twins_of_itself_or_doubles(mariam, riviera, riviera3, koffi):
    twin(riviera, riviera3)
    # A third community, twinned with both.
    neighbour = make_community(
        make_user("Ali", "Sanogo"), name="Riviera Golf", centre=(5.3645, -3.9575)
    )
    first = twin(neighbour, riviera)
    twin(riviera3, neighbour)
    # And a fourth, twinned with the absorbed one only.
    far = make_community(make_user("Ama", "Yeboua"), name="Bonoumin", centre=(5.3535, -3.9575))
    kept_twinning = twin(riviera3, far)

    _merge(mariam, riviera, riviera3)

    open_twinnings = Twinning.objects.filter(
        status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE]
    )
    pairs = {frozenset((t.requester_id, t.partner_id)) for t in open_twinnings}
    assert pairs == {frozenset((riviera.pk, neighbour.pk)), frozenset((riviera.pk, far.pk))}
    assert open_twinnings.filter(pk=first.pk).exists()
    kept_twinning.refresh_from_db()
    assert {kept_twinning.requester_id, kept_twinning.partner_id} == {riviera.pk, far.pk}
    assert not Twinning.objects.filter(requester=riviera, partner=riviera).exists()


def test_without_the_referents_agreement_nothing_happens(mariam, riviera, riviera3):
    with pytest.raises(ValidationError) as refused:
        _merge(mariam, riviera, riviera3, agreement=False)
    assert "agreement" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        _merge(mariam, riviera, riviera3, note="ok")
    assert "note" in refused.value.error_dict
    assert Community.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_a_merge_over_the_area_limit_is_refused(mariam, db):
    west = make_community(make_user("Awa", "Koné"), name="Angré Ouest", side_m=800)
    east = make_community(
        make_user("Koffi", "Brou"), name="Angré Est", side_m=800, centre=EDGE_TO_EDGE
    )

    plan = services.plan_merge([west, east], west)
    assert not plan.possible
    # Drawn edge to edge: their union, not a hull around them.
    assert not plan.hull
    assert 1_250_000 < plan.area_m2 < 1_310_000
    with pytest.raises(ValidationError, match="1 km² au plus"):
        _merge(mariam, west, east)
    assert Community.objects.count() == 2


def test_a_rural_exemption_carries_over_and_lifts_the_limit(mariam, db):
    west = make_community(make_user("Awa", "Koné"), name="Village Ouest", side_m=800)
    east = make_community(
        make_user("Koffi", "Brou"), name="Village Est", side_m=800, centre=EDGE_TO_EDGE
    )
    Community.objects.filter(pk=east.pk).update(rural_exemption=True, rural_max_area_m2=3_000_000)

    united = _merge(mariam, west, east)

    assert united.area_m2 > geometry.MAX_AREA_M2
    assert united.rural_exemption and united.rural_max_area_m2 == 3_000_000


def test_a_merge_whose_area_would_cover_a_third_community_is_refused(mariam, riviera, riviera3):
    # A small community in the gap between Riviera 2 and 3: the united area would cover it.
    make_community(
        make_user("Ali", "Sanogo"), name="Allée des Fromagers", side_m=120, centre=(5.3590, -3.9574)
    )
    with pytest.raises(ValidationError, match="Allée des Fromagers"):
        _merge(mariam, riviera, riviera3)
    assert Community.objects.count() == 3


def test_communities_of_two_communes_or_far_apart_are_not_merged(mariam, riviera, issa):
    yopougon = make_community(
        issa, name="Niangon", commune_slug="yopougon", centre=(5.3265, -4.1060)
    )
    plan = services.plan_merge([riviera, yopougon], riviera)
    codes = {error.code for error in plan.errors}
    assert {"communes", "far"} <= codes


def test_only_staff_merge(riviera, riviera3, awa):
    with pytest.raises(PermissionDenied):
        _merge(awa, riviera, riviera3)


def test_a_single_community_or_too_many_is_refused(mariam, riviera):
    assert {e.code for e in services.plan_merge([riviera], riviera).errors} == {"too_few"}


def test_a_member_left_in_both_histories_is_a_member_once(mariam, riviera, riviera3, yao):
    # Yao once lived in Riviera 3: an ended membership there, active in Riviera 2.
    Membership.objects.create(
        user=yao, community=riviera3, status=MembershipStatus.LEFT, is_referent=False
    )
    _merge(mariam, riviera, riviera3)
    assert Membership.objects.filter(user=yao, status=MembershipStatus.ACTIVE).count() == 1


def test_a_member_of_the_united_community_reads_the_absorbed_ones_posts(
    mariam, riviera, riviera3, aya, yao
):
    post = make_post(aya, title="Perdu : chat tigré")
    with pytest.raises(Http404):
        get_post_for_reader(yao, post.pk)
    _merge(mariam, riviera, riviera3)
    assert get_post_for_reader(yao, post.pk)[0] == post


def test_rows_of_other_apps_follow_the_kept_community(
    mariam, riviera, riviera3, koffi, aya, cocody_town_hall
):
    both = Announcement.objects.create(
        town_hall=cocody_town_hall, category="event", text="Fête des voisins samedi."
    )
    both.communities.set([riviera, riviera3])
    absorbed_only = Announcement.objects.create(
        town_hall=cocody_town_hall, category="roadworks", text="Travaux rue 12."
    )
    absorbed_only.communities.set([riviera3])
    sms = TextMessage.objects.create(purpose="code", to="+2250700000001", community=riviera3)
    exclusion = ExclusionRequest.objects.create(
        community=riviera3, member=aya, requested_by=koffi, reason="Menaces répétées."
    )
    report = Report.objects.create(
        reporter=koffi, kind="post", object_id=1, author=aya, community=riviera3, reason="spam"
    )

    _merge(mariam, riviera, riviera3)

    assert list(both.communities.all()) == [riviera]
    assert list(absorbed_only.communities.all()) == [riviera]
    for row in (sms, exclusion, report):
        row.refresh_from_db()
        assert row.community_id == riviera.pk


def test_members_read_the_merge_in_their_history_and_their_notification(
    client, mariam, riviera, riviera3, aya
):
    _merge(mariam, riviera, riviera3)

    subject, line = describe(Notification.objects.get(recipient=aya, event="community_merged"))
    assert subject == "Votre communauté s'agrandit : « Riviera 2 »"
    assert "« Riviera 2 », « Riviera 3 »" in line
    log_in(client, aya)
    history = client.get(reverse("communities:history", args=[riviera.pk])).content.decode()
    assert "Fusion de communautés</strong> · « Riviera 3 »" in history


def test_a_merge_counts_the_moved_alerts_in_the_town_halls_dashboard(
    mariam, riviera, riviera3, koffi
):
    from datetime import timedelta

    from django.utils import timezone

    from monquartier.townhalls import stats
    from monquartier.townhalls.models import DailyCommunityStats

    alert = Alert.objects.create(community=riviera3, sender=koffi, category="suspect", text="x")
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(days=3))
    stats.backfill()
    counted = DailyCommunityStats.objects.filter(community=riviera)
    assert sum(row.alerts for row in counted) == 0
    _merge(mariam, riviera, riviera3)
    # The closed day the alert was sent on is now Riviera's, without waiting for a backfill.
    assert sum(row.alerts for row in counted.all()) == 1
