"""Staff log in with their second factor and merge the two demo communities of
Koumassi Remblais: the admin's list, the preview, the agreement, the result."""

import pytest

from monquartier.audit.models import AuditEntry
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.notifications.models import Notification
from monquartier.staffops.demo import create_demo_mergeable_communities
from tests.browser.sign_in import log_in_with_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_merge_two_demo_communities(context, axe, mariam):
    create_demo_mergeable_communities()
    mariam.is_superuser = True
    mariam.save()
    west, east = Community.objects.filter(name__startswith="Koumassi Remblais").order_by("pk")

    staff = context.new_page()
    log_in_with_code(staff, "mariam.bamba@monquartier.ci")

    staff.goto("/admin/communities/community/")
    for community in (west, east):
        staff.locator("tr", has_text=community.name).locator("input[name=_selected_action]").check()
    staff.locator("select[name=action]").select_option("merge_communities")
    staff.locator("button[name=index]").click()

    staff.get_by_role("heading", name="Réunir des communautés").wait_for()
    staff.get_by_text("6 membres").wait_for()
    assert staff.locator("svg polygon").count() == 3
    axe(staff)
    # Without the référents' agreement: refused, nothing changed.
    staff.get_by_role("button", name="Réunir ces communautés").click()
    staff.get_by_text("Une fusion demande l'accord des référents").wait_for()
    assert Community.objects.filter(name__startswith="Koumassi Remblais").count() == 2

    staff.get_by_label("Koumassi Remblais – Ouest (n°", exact=False).check()
    staff.get_by_label("Nouveau nom").fill("Koumassi Remblais")
    staff.get_by_label("ont donné leur accord").check()
    staff.get_by_label("Accord : qui, quand, comment").fill(
        "Akissi Brou et Édouard Kassi, d'accord par téléphone le 30 novembre."
    )
    staff.get_by_role("button", name="Réunir ces communautés").click()
    staff.get_by_text("Les communautés sont réunies dans « Koumassi Remblais »").wait_for()

    united = Community.objects.get(name="Koumassi Remblais")
    assert united.pk == west.pk
    assert not Community.objects.filter(pk=east.pk).exists()
    members = Membership.objects.filter(community=united, status=MembershipStatus.ACTIVE)
    assert members.count() == 6
    assert members.filter(is_referent=True).count() == 2
    assert Notification.objects.filter(event="community_merged").count() == 6
    assert AuditEntry.objects.get(action="community.merge").actor == mariam
