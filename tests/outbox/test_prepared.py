"""outbox/prepared.py: a statement compiled once must give what the ORM gives."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Value

from monquartier.alerts import outbox as alert_outbox
from monquartier.alerts import services
from monquartier.alerts.models import Alert
from monquartier.outbox import prepared

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ids go as one PostgreSQL array"
)


def _state(instance) -> tuple:
    """An instance's loaded columns and which are deferred."""
    deferred = instance.get_deferred_fields()
    return (
        type(instance),
        {
            field.attname: getattr(instance, field.attname)
            for field in type(instance)._meta.concrete_fields
            if field.attname not in deferred
        },
        deferred,
    )


def _alert_tree(alert) -> tuple:
    """The alert and every row its batch queryset selects with it."""
    community = alert.community
    return (
        _state(alert),
        _state(community),
        _state(community.commune) if community.commune_id else None,
        _state(alert.sender) if alert.sender_id else None,
        _state(alert.corrects) if alert.corrects_id else None,
    )


def test_the_compiled_alert_fetch_gives_the_instances_the_orm_gives(
    riviera, awa, django_assert_num_queries
):
    original = services.send_alert(awa, category="theft", text="Une moto volée au marché")
    correction = services.send_alert(
        awa, category="theft", text="Deux motos, pas une", corrects=original
    )
    queryset = alert_outbox.SOURCE.queryset()
    statement = prepared.ById(queryset)
    wanted = {original.pk, correction.pk, 10**9}

    with django_assert_num_queries(1):
        fetched = statement.in_bulk(wanted)
        # Everything the join selects is there: reading it costs nothing more.
        trees = {pk: _alert_tree(alert) for pk, alert in fetched.items()}

    expected = queryset.in_bulk(wanted)
    assert set(fetched) == set(expected) == {original.pk, correction.pk}
    assert trees == {pk: _alert_tree(alert) for pk, alert in expected.items()}
    assert "mobile" in fetched[original.pk].sender.get_deferred_fields()
    assert fetched[correction.pk].corrects.pk == original.pk
    assert fetched[original.pk].corrects is None
    assert not fetched[original.pk]._state.adding
    # The same statement serves the next batch, with other ids.
    assert list(statement.in_bulk([correction.pk])) == [correction.pk]
    assert statement.in_bulk([]) == {}


def test_the_compiled_columns_read_again_are_values_list_s(riviera, awa, mariam):
    original = services.send_alert(awa, category="theft", text="Une moto volée au marché")
    correction = services.send_alert(
        awa, category="theft", text="Deux motos, pas une", corrects=original
    )
    services.hide_alert(mariam, original, "Accusation sans fondement")
    columns = ("pk", *alert_outbox.SOURCE.changing)
    statement = prepared.ById(Alert._base_manager.all(), values=columns)
    ids = [correction.pk, original.pk, 10**9]

    rows = statement.rows(ids)

    expected = Alert._base_manager.filter(pk__in=ids).values_list(*columns)
    assert sorted(rows) == sorted(expected)
    by_pk = {pk: values for pk, *values in rows}
    assert by_pk[correction.pk][1] is not None  # its original's hidden_at
    assert by_pk[original.pk][0] is not None and by_pk[original.pk][1] is None


def test_a_statement_refuses_what_it_would_not_carry(db):
    with pytest.raises(ImproperlyConfigured, match="annotations"):
        prepared.ById(Alert.objects.annotate(weight=Value(1)))
    statement = prepared.ById(Alert.objects.all())
    with pytest.raises(ImproperlyConfigured):
        statement.rows([1])


def test_each_thread_has_its_own_statement():
    import threading

    built = []

    def build():
        built.append(threading.get_ident())
        return object()

    key = ("test", object())
    first = prepared.per_thread(key, build)
    assert prepared.per_thread(key, build) is first
    other = []
    thread = threading.Thread(target=lambda: other.append(prepared.per_thread(key, build)))
    thread.start()
    thread.join()
    assert other[0] is not first and len(built) == 2
