"""The staff pages: staff only, a preview first, bad input answered with a message."""

import json

import pytest
from django.urls import reverse

from monquartier.audit.models import AuditEntry
from monquartier.communities.models import Community
from tests.factories import RIVIERA, log_in, make_user, square

NOTE = "Awa et Koffi d'accord, par téléphone, le 28/11."


def _merge_url(*communities):
    return reverse("staffops:merge") + "?" + "&".join(f"c={c.pk}" for c in communities)


def test_members_and_visitors_do_not_reach_the_staff_pages(client, awa, riviera, riviera3):
    urls = [
        _merge_url(riviera, riviera3),
        reverse("staffops:area", args=[riviera.pk]),
        reverse("staffops:rural_exemption", args=[riviera.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    log_in(client, awa)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert Community.objects.count() == 2


def test_a_staff_session_without_the_second_factor_does_not_reach_them(client, mariam, riviera):
    client.force_login(mariam)  # nothing typed: like a session opened by a link
    response = client.get(reverse("staffops:rural_exemption", args=[riviera.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_merge_preview_shows_what_moves(
    staff_client, riviera, riviera3, aya, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = staff_client.get(_merge_url(riviera, riviera3))
    page = response.content.decode()
    assert response.status_code == 200
    assert "4 membres" in page
    assert "Awa Koné" in page and "Koffi Brou" in page  # the référents kept
    assert "<svg" in page and "zone réunie" in page
    assert not AuditEntry.objects.exists()


def test_the_merge_page_merges_once_agreed(staff_client, riviera, riviera3):
    url = reverse("staffops:merge")
    data = {"c": [riviera.pk, riviera3.pk], "keep": riviera3.pk, "note": NOTE}

    refused = staff_client.post(url, data)
    assert refused.status_code == 200
    assert "accord des référents" in refused.content.decode()
    assert Community.objects.count() == 2

    done = staff_client.post(url, {**data, "agreement": "on"})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:communities_community_change", args=[riviera3.pk])
    assert list(Community.objects.values_list("pk", flat=True)) == [riviera3.pk]


@pytest.mark.parametrize(
    "query", ["c=abc", "c=1,x", "c=" + "9" * 30, "c=-1"], ids=["text", "list", "huge", "negative"]
)
def test_garbage_ids_are_not_found(staff_client, query):
    assert staff_client.get(reverse("staffops:merge") + "?" + query).status_code == 404


def test_one_community_or_unknown_ones_send_back_to_the_list(staff_client, riviera):
    for query in [f"c={riviera.pk}", f"c={riviera.pk}&c=999999", ""]:
        response = staff_client.get(reverse("staffops:merge") + "?" + query)
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:communities_community_changelist")


def test_too_many_communities_are_refused(staff_client, riviera):
    query = "&".join(f"c={n}" for n in range(1, 9))
    response = staff_client.get(reverse("staffops:merge") + "?" + query)
    assert response.status_code == 302


def test_a_forged_kept_community_is_a_form_error(staff_client, riviera, riviera3, issa):
    response = staff_client.post(
        reverse("staffops:merge"),
        {"c": [riviera.pk, riviera3.pk], "keep": 424242, "agreement": "on", "note": NOTE},
    )
    assert response.status_code == 200
    assert Community.objects.count() == 2


def test_the_area_page_redraws_and_refuses_garbage(staff_client, riviera):
    url = reverse("staffops:area", args=[riviera.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    # The current area is offered as GeoJSON text that can be sent back as it is.
    assert json.loads(page.context["form"]["area"].value()) == riviera.area
    for garbage in ["", "{", "[" * 5000, '{"type": "Point"}', "x" * 50_000]:
        response = staff_client.post(url, {"area": garbage, "reason": "Chevauchement, n° 4."})
        assert response.status_code == 200
    assert not AuditEntry.objects.exists()

    response = staff_client.post(
        url,
        {
            "area": json.dumps(square(*RIVIERA, side_m=500)),
            "reason": "Chevauchement, demande n° 4.",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="community.area").count() == 1


def test_the_rural_page_grants_and_refuses(staff_client, riviera):
    url = reverse("staffops:rural_exemption", args=[riviera.pk])
    assert staff_client.get(url).status_code == 200
    bad = staff_client.post(
        url, {"operation": "grant", "grant-max_area_km2": "1e9", "grant-reason": "Village, n° 3."}
    )
    assert bad.status_code == 200
    no_reason = staff_client.post(url, {"operation": "grant", "grant-max_area_km2": "3"})
    assert "10 caractères" in no_reason.content.decode()
    granted = staff_client.post(
        url, {"operation": "grant", "grant-max_area_km2": "3", "grant-reason": "Village, n° 3."}
    )
    assert granted.status_code == 302
    riviera.refresh_from_db()
    assert riviera.rural_max_area_m2 == 3_000_000
    removed = staff_client.post(url, {"operation": "remove", "remove-reason": "Plus utile, n° 9."})
    assert removed.status_code == 302
    riviera.refresh_from_db()
    assert not riviera.rural_exemption


def test_the_admin_action_opens_the_merge_preview(client, riviera, riviera3):
    nadia = make_user("Nadia", "Traoré", is_staff=True, is_superuser=True)
    log_in(client, nadia)
    response = client.post(
        reverse("admin:communities_community_changelist"),
        {"action": "merge_communities", "_selected_action": [riviera.pk, riviera3.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staffops:merge") + "?c=")
    page = client.get(reverse("admin:communities_community_change", args=[riviera.pk]))
    assert reverse("staffops:rural_exemption", args=[riviera.pk]) in page.content.decode()
    # The exemption is not a box to tick in the admin any more: only its audited page.
    assert 'name="rural_exemption"' not in page.content.decode()
