"""Every staff look at a member's personal data in the admin is in the audit log, and
the member sees when (never who) in Paramètres."""

import gzip

import pytest
from django.urls import reverse

from monquartier.audit.log import record
from monquartier.audit.models import AuditEntry
from tests.factories import log_in, make_user


@pytest.fixture
def mariam(db):
    """Staff with the admin's permissions (the conftest's Mariam has none)."""
    return make_user(
        "Mariam", "Bamba", email="mariam.bamba@monquartier.ci", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(client, mariam):
    log_in(client, mariam)
    return client


def test_opening_a_members_account_in_the_admin_is_recorded(staff_client, mariam, awa):
    response = staff_client.get(reverse("admin:accounts_user_change", args=[awa.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.member, entry.action) == (mariam, awa, "member.view")
    assert entry.target == f"accounts.user:{awa.pk}"


def test_the_list_of_accounts_records_nothing_per_member_but_a_search_is_kept(
    staff_client, mariam, awa
):
    assert staff_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert not AuditEntry.objects.exists()
    staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "Koné"})
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.member) == ("member.search", mariam, None)
    assert entry.details == {"page": "accounts.user", "query": "Koné"}


def test_changing_a_members_account_records_the_fields_not_their_values(staff_client, awa):
    url = reverse("admin:accounts_user_change", args=[awa.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    data |= {
        "email": awa.email,
        "first_name": "Awa",
        "last_name": "Koné-Traoré",
        "language": awa.language,
        "mobile": str(awa.mobile),
        "is_active": "on",
        "mobile_verified": "on",
        "date_joined_0": "",
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "home-TOTAL_FORMS": "0",
        "home-INITIAL_FORMS": "0",
    }
    data.pop("password", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("closed_at", None)
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    change = AuditEntry.objects.get(action="member.change")
    assert change.member == awa
    assert "last_name" in change.details["fields"]
    assert "Koné-Traoré" not in str(change.details)


def test_the_exclusion_queue_records_whose_request_staff_open(staff_client, riviera, awa, yao):
    from monquartier.communities.models import Membership
    from monquartier.moderation.exclusions import request_exclusion

    exclusion = request_exclusion(
        awa, Membership.objects.get(user=yao), "Il menace les voisins depuis des semaines."
    )
    url = reverse("admin:moderation_exclusionrequest_change", args=[exclusion.pk])
    assert staff_client.get(url).status_code == 200
    assert AuditEntry.objects.get().member == yao


def test_the_log_is_searchable_by_member_and_by_staff(staff_client, mariam, awa, yao):
    record(mariam, "member.view", member=awa)
    record(mariam, "member.view", member=yao)
    changelist = reverse("admin:audit_auditentry_changelist")

    by_member = staff_client.get(changelist, {"q": "awa.kone@exemple.ci"})
    assert list(by_member.context["cl"].result_list) == list(AuditEntry.objects.about(awa))
    by_id = staff_client.get(changelist, {"q": f"#{yao.pk}"})
    assert [entry.member for entry in by_id.context["cl"].result_list] == [yao]
    by_staff = staff_client.get(changelist, {"actor__id__exact": mariam.pk})
    assert by_staff.status_code == 200
    # The two views recorded above, plus none for the list itself.
    assert by_staff.context["cl"].result_count == 2
    unknown = staff_client.get(changelist, {"q": "#" + "9" * 40})
    assert unknown.status_code == 200


def test_the_member_sees_when_staff_looked_but_not_who(client, mariam, awa):
    record(mariam, "member.view", member=awa, reason="ticket 42: usurpation")
    record(mariam, "member.change", member=awa, details={"fields": ["mobile"]})
    log_in(client, awa)

    page = client.get(reverse("accounts:staff_access")).content.decode()

    assert "consulté vos informations personnelles" in page
    assert "modifié vos informations personnelles" in page
    assert "Mariam" not in page and "mariam" not in page
    assert "usurpation" not in page
    assert (
        reverse("accounts:staff_access")
        in client.get(reverse("accounts:settings")).content.decode()
    )


def test_the_member_sees_only_their_own_entries(
    client, mariam, awa, yao, django_assert_max_num_queries
):
    record(mariam, "member.view", member=yao)
    log_in(client, awa)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("accounts:staff_access")).content.decode()
    assert "jamais consulté" in page


def test_the_members_page_of_staff_access_stays_light_when_full(
    client, mariam, awa, django_assert_max_num_queries
):
    for _ in range(70):
        record(mariam, "member.view", member=awa)
    log_in(client, awa)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("accounts:staff_access"))
    page = response.content.decode()
    assert page.count("<time") == 50
    assert "Les 50 plus récentes sont affichées." in page
    assert len(gzip.compress(response.content)) < 14 * 1024


def test_an_account_made_by_staff_in_the_admin_is_recorded(staff_client, mariam):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nouveau.voisin@exemple.ci",
            "first_name": "Paul",
            "last_name": "Aka",
            "password1": "Lagune-Ebrie-2026",
            "password2": "Lagune-Ebrie-2026",
            "usable_password": "true",
            "profile-TOTAL_FORMS": "0",
            "profile-INITIAL_FORMS": "0",
            "home-TOTAL_FORMS": "0",
            "home-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="member.create")
    assert entry.member.email == "nouveau.voisin@exemple.ci"
    assert "Lagune-Ebrie-2026" not in str(entry.details)  # field names, never values
