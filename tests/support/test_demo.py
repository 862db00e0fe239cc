from monquartier.accounts.demo import create_demo_people, email_for
from monquartier.accounts.models import User
from monquartier.communities.demo import create_demo_communities
from monquartier.outbox.models import Delivery
from monquartier.support import services
from monquartier.support.demo import IMPERSONATOR_EMAIL, create_demo_tickets
from monquartier.support.models import Ticket, TicketKind


def test_demo_tickets_are_made_once_send_nothing_and_the_theft_can_be_handled(communes):
    create_demo_people()
    create_demo_communities()
    assert create_demo_tickets() == 4
    assert create_demo_tickets() == 0
    assert (
        Ticket.objects.count() == 4 and len(set(Ticket.objects.values_list("kind", flat=True))) == 4
    )
    assert not Delivery.objects.filter(support_email__isnull=False).exists()
    theft = Ticket.objects.get(kind=TicketKind.IDENTITY_THEFT)
    assert theft.impersonator.email == IMPERSONATOR_EMAIL
    assert theft.requester.email == email_for("Awa", "Koné")
    mariam = User.objects.get(email=email_for("Mariam", "Bamba"))
    services.suspend_impersonator(mariam, theft, None, "Démonstration")
    theft.impersonator.refresh_from_db()
    assert theft.impersonator.is_suspended
