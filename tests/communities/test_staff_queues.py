from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from monquartier.communities.models import Membership
from monquartier.moderation import exclusions
from monquartier.moderation.models import ExclusionRequest
from tests import factories


def staff_client(client):
    staff = factories.make_user("Mariam", "Bamba", is_staff=True, is_superuser=True)
    factories.log_in(client, staff)
    return client


def test_requests_waiting_15_days_are_in_the_staff_queue(client, riviera, salif):
    Membership.objects.filter(user=salif).update(requested_at=timezone.now() - timedelta(days=16))
    recent = factories.make_user("Fatou", "Cissé")
    factories.add_pending(riviera, recent)
    staff_client(client)
    page = client.get(
        reverse("admin:communities_pendingrequest_changelist") + "?attente=escalated"
    ).content.decode()
    assert "Salif" in page and "Fatou" not in page


def test_staff_accept_a_request_from_the_queue(client, riviera, salif):
    staff_client(client)
    pending = Membership.objects.get(user=salif)
    client.post(
        reverse("admin:communities_pendingrequest_changelist"),
        {"action": "accept_requests", "_selected_action": [pending.pk]},
    )
    assert Membership.objects.get(user=salif).status == "active"


def test_staff_refuse_with_a_reason(client, riviera, salif):
    staff_client(client)
    pending = Membership.objects.get(user=salif)
    url = reverse("admin:communities_pendingrequest_changelist")
    response = client.post(url, {"action": "refuse_requests", "_selected_action": [pending.pk]})
    assert "Motif du refus" in response.content.decode()
    client.post(
        url,
        {
            "action": "refuse_requests",
            "_selected_action": [pending.pk],
            "apply": "1",
            "reason": "Adresse introuvable.",
        },
    )
    membership = Membership.objects.get(user=salif)
    assert (membership.status, membership.refusal_reason) == ("refused", "Adresse introuvable.")


def test_staff_decide_exclusions_from_the_queue(client, riviera, awa, yao):
    request = exclusions.request_exclusion(
        awa, Membership.objects.get(user=yao), "Insultes répétées dans la gazette."
    )
    staff_client(client)
    client.post(
        reverse("admin:moderation_exclusionrequest_changelist"),
        {"action": "accept", "_selected_action": [request.pk]},
    )
    assert ExclusionRequest.objects.get().status == "accepted"
    assert Membership.objects.get(user=yao).status == "excluded"


def test_the_rural_exemption_is_no_bulk_action_of_the_admin(client, riviera):
    # It is granted on its own page, with a maximum area, checked and audited
    # (tests/staffops/test_areas.py).
    staff_client(client)
    client.post(
        reverse("admin:communities_community_changelist"),
        {"action": "grant_rural_exemption", "_selected_action": [riviera.pk]},
    )
    riviera.refresh_from_db()
    assert not riviera.rural_exemption
