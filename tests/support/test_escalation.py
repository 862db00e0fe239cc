"""Join requests left 15 days and référents' exclusion requests reach the desk's queue."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monquartier.communities import jobs
from monquartier.communities import services as community_services
from monquartier.communities.models import Membership
from monquartier.moderation import exclusions
from monquartier.moderation.models import ExclusionRequest
from monquartier.support import services
from monquartier.support.models import MessageKind, Ticket, TicketKind, TicketStatus
from tests import factories


def _age(membership, days: int) -> None:
    Membership.objects.filter(pk=membership.pk).update(
        requested_at=timezone.now() - timedelta(days=days)
    )


def test_an_escalated_join_request_opens_one_ticket(staff_client, riviera, salif, mariam):
    membership = Membership.objects.get(user=salif)
    _age(membership, 16)
    jobs.escalate_join_requests("2026-12-01")
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.membership, ticket.requester, ticket.community) == (
        TicketKind.UNANSWERED_JOIN,
        membership,
        salif,
        riviera,
    )
    assert ticket.messages.get().kind == MessageKind.EVENT
    # A second run finds it escalated already; and a ticket is never doubled.
    jobs.escalate_join_requests("2026-12-01")
    assert services.open_escalated_join_tickets([membership]) == 0
    assert Ticket.objects.count() == 1
    page = staff_client.get(reverse("support:staff_queue")).content.decode()
    assert ticket.reference in page and "Riviera 2" in page


def test_a_recent_join_request_is_not_escalated(riviera, salif):
    _age(Membership.objects.get(user=salif), 3)
    jobs.escalate_join_requests("2026-12-01")
    assert not Ticket.objects.exists()


def test_the_applicant_sees_the_escalated_request_among_their_tickets(client, riviera, salif):
    _age(Membership.objects.get(user=salif), 20)
    jobs.escalate_join_requests("2026-12-01")
    factories.log_in(client, salif)
    ticket = Ticket.objects.get()
    page = client.get(reverse("support:my_ticket", args=[ticket.pk])).content.decode()
    assert "15 jours" in page


def test_an_exclusion_request_opens_a_ticket_resolved_by_the_decision(
    staff_client, riviera, awa, yao, mariam
):
    membership = Membership.objects.get(user=yao)
    exclusion = exclusions.request_exclusion(awa, membership, "Menaces répétées dans la gazette.")
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.exclusion, ticket.requester) == (
        TicketKind.EXCLUSION,
        exclusion,
        awa,
    )
    page = staff_client.get(reverse("support:staff_ticket", args=[ticket.pk])).content.decode()
    assert "Menaces répétées" in page
    assert reverse("admin:moderation_exclusionrequest_change", args=[exclusion.pk]) in page
    referent = Client()
    factories.log_in(referent, awa)
    mine = referent.get(reverse("support:my_ticket", args=[ticket.pk])).content.decode()
    assert (
        "examine votre demande d&#x27;exclusion" in mine
        or "examine votre demande d'exclusion" in mine
    )
    assert "Menaces" not in mine  # the thread's event is the staff's
    exclusions.reject_exclusion(mariam, ExclusionRequest.objects.get(pk=exclusion.pk))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert "rejetée" in ticket.messages.last().body


def test_answering_the_escalated_request_resolves_its_ticket(riviera, salif, awa):
    membership = Membership.objects.get(user=salif)
    _age(membership, 16)
    jobs.escalate_join_requests("2026-12-01")
    community_services.accept_join_request(awa, Membership.objects.get(pk=membership.pk))
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.messages.last().body == "Demande d'adhésion : membre."
