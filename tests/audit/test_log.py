import pytest
from django.urls import reverse

from monquartier.audit.log import record
from monquartier.audit.models import AuditEntry
from tests.factories import log_in, make_user


@pytest.fixture
def superuser(db):
    return make_user("Nadia", "Staff", is_staff=True, is_superuser=True)


def test_record_keeps_who_what_whom_and_why(superuser, awa):
    entry = record(superuser, "member.suspend", member=awa, target=awa, reason="usurpation")

    entry.refresh_from_db()
    assert entry.actor == superuser
    assert entry.actor_label == superuser.email
    assert entry.member == awa
    assert entry.target == f"accounts.user:{awa.pk}"
    assert entry.reason == "usurpation"
    assert list(AuditEntry.objects.about(awa)) == [entry]
    assert list(AuditEntry.objects.by(superuser)) == [entry]


def test_the_admin_lists_entries_but_no_one_can_change_or_delete_them(client, superuser, awa):
    entry = record(superuser, "member.view", member=awa)
    log_in(client, superuser)

    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    # The change view is read-only: posting a change leaves the entry as it was.
    client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "x"})
    entry.refresh_from_db()
    assert entry.action == "member.view"
    assert AuditEntry.objects.count() == 1
