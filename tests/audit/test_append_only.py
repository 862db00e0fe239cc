"""The audit log is append-only in Python and, below it, in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from monquartier.audit.log import record
from monquartier.audit.models import AppendOnlyError, AuditEntry


@pytest.fixture
def entry(mariam, awa):
    return record(mariam, "member.view", member=awa, target=awa, reason="ticket 12")


def test_an_entry_cannot_be_saved_again(entry):
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == "ticket 12"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda entries: entries.update(reason="rewritten"),
        lambda entries: entries.delete(),
        lambda entries: entries.bulk_update(list(entries), ["reason"]),
        lambda entries: entries.update_or_create(action="member.view", defaults={"reason": "x"}),
    ],
)
def test_querysets_refuse_bulk_changes(entry, change):
    with pytest.raises(AppendOnlyError):
        change(AuditEntry.objects.all())
    entry.refresh_from_db()
    assert entry.reason == "ticket 12"


def test_a_new_entry_with_a_given_id_is_an_insert_not_an_overwrite(entry, mariam):
    forged = AuditEntry(pk=entry.pk, actor=mariam, actor_label="x", action="member.change")
    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save()
    entry.refresh_from_db()
    assert entry.action == "member.view"


def test_the_database_refuses_an_update_behind_the_orm(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "ticket 12"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite: DELETE stays allowed for test flushes"
)
def test_postgresql_refuses_a_delete_behind_the_orm(entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_an_account_leaves_its_entries(entry, awa, mariam):
    awa_id, mariam_id = awa.pk, mariam.pk
    awa.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.member_id, entry.actor_id) == (awa_id, mariam_id)
