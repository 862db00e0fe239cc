from monquartier.accounts.demo import create_demo_people, email_for
from monquartier.audit.models import AuditEntry
from monquartier.communities.models import Community, Twinning
from monquartier.staffops import services
from monquartier.staffops.demo import (
    create_demo_audit_entries,
    create_demo_mergeable_communities,
)


def test_the_demo_has_two_communities_staff_can_merge_and_is_idempotent(db, communes):
    create_demo_people(count=0)
    assert create_demo_mergeable_communities() == 2
    assert create_demo_mergeable_communities() == 0
    west, east = Community.objects.filter(name__startswith="Koumassi Remblais").order_by("pk")
    assert Twinning.objects.involving(west).filter(partner=east).exists()
    plan = services.plan_merge([west, east], west)
    assert plan.possible, plan.errors
    assert not plan.hull and plan.members == 6

    assert create_demo_audit_entries() == 2
    assert create_demo_audit_entries() == 0
    yao = AuditEntry.objects.filter(action="member.view").get().member
    assert yao.email == email_for("Yao", "Kouassi")
