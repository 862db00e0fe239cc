"""The scale generator (bench/scale/) at a tiny size: the data it loads is what the app
itself would have written — every foreign key resolves, the constraints hold, homes lie
inside their community — and a loaded member logs in through the form and opens every
member page. PostgreSQL only (COPY)."""

import os

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from bench import scale
from monquartier.accounts.models import User
from monquartier.communities import lookups
from monquartier.communities.models import Community, Membership, MembershipStatus
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
]

MEMBERS = 600
COMMUNITIES = 12


@pytest.fixture
def loaded(db, communes):
    return scale.load(MEMBERS, COMMUNITIES, seed=3, verbose=False)


def _orphans(model, field) -> int:
    """Rows whose foreign key points at no row."""
    target = field.related_model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {model._meta.db_table} AS child "  # noqa: S608 (our own tables)
            f"WHERE child.{field.column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
            f"{target.db_table} AS parent WHERE parent.{field.target_field.column} = child.{field.column})"
        )
        return cursor.fetchone()[0]


def test_every_foreign_key_of_the_loaded_data_points_at_a_row(loaded):
    broken = {
        f"{model._meta.label}.{field.name}": count
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and (count := _orphans(model, field))
    }
    assert broken == {}


def test_the_loaded_data_has_the_size_asked_for_and_homes_inside_their_community(loaded):
    assert Membership.objects.active().count() == MEMBERS
    assert Community.objects.count() == COMMUNITIES
    assert Membership.objects.pending().count() == round(MEMBERS * scale.PENDING_SHARE)
    assert Membership.objects.filter(status=MembershipStatus.LEFT).exists()
    # Every member has a profile and a home; every community at least one référent.
    assert User.objects.filter(profile__isnull=True).count() == 0
    assert User.objects.filter(is_staff=False, home__isnull=True).count() == 0
    assert (
        Community.objects.exclude(pk__in=Membership.objects.referents().values("community")).count()
        == 0
    )
    assert loaded.counts[User._meta.label] == User.objects.count()
    for membership in Membership.objects.active().select_related("user__home")[:50]:
        home = membership.user.home
        found = lookups.community_containing(home.latitude, home.longitude)
        assert found is not None and found.pk == membership.community_id
    # --keep recognises the data by its size and seed.
    assert scale.matching_load(MEMBERS, COMMUNITIES, 3) is not None
    assert scale.matching_load(MEMBERS + 1, COMMUNITIES, 3) is None
    # The sequences were moved past the ids COPY wrote: the app can add rows.
    factories.make_user("Nouvelle", "Voisine")


def test_a_loaded_member_logs_in_and_opens_every_member_page(client, loaded):
    member = scale.sample_members(1, seed=5)[0]
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": scale.PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(member.urls) == set(scale.PAGES)
    for page, url in member.urls.items():
        response = client.get(url)
        assert response.status_code == 200, (page, url)


def test_it_refuses_a_database_that_is_not_a_benchmark_one(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "monquartier")
    with pytest.raises(scale.NotABenchmarkDatabase):
        scale.check_database()


def test_loading_again_over_loaded_data_starts_afresh(loaded):
    # The outbox's rows are reached by no cascade (it keeps no foreign-key constraint):
    # the wipe must name its tables, or the second COPY of deliveries meets the first.
    from monquartier.outbox.models import Delivery

    first = Delivery.objects.count()
    assert first > 0
    again = scale.load(MEMBERS, COMMUNITIES, seed=3, verbose=False)
    assert Delivery.objects.count() == first == again.counts[Delivery._meta.label]
