"""The desk's member and visitor pages stay light (one round trip, no inline script or
style) and run a fixed number of queries."""

import pytest
from django.urls import reverse

from monquartier.support import links, services
from monquartier.support.models import CONTACT_KINDS, TicketKind
from tests import factories
from tests.core.test_pages import check_page

LONG = "Nous avons besoin de votre aide pour la communauté, voici les détails. " * 12


def test_the_contact_pages_are_light_for_visitors(client, db):
    check_page(client.get(reverse("support:contact")))
    for kind in CONTACT_KINDS:
        check_page(client.get(reverse("support:contact_form", args=[kind])))


@pytest.mark.parametrize("kind", [TicketKind.IDENTITY_THEFT, TicketKind.MERGE])
def test_a_form_with_its_errors_is_light(client, db, kind):
    response = client.post(reverse("support:contact_form", args=[kind]), {"body": "x"})
    check_page(response)


def test_the_requester_pages_are_light_and_their_queries_fixed(
    awa_client, awa, mariam, settings, django_assert_max_num_queries
):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "support_ticket": (100, 3600)}
    tickets = [
        services.open_ticket(awa, kind=TicketKind.QUESTION, body=f"Question {n} : {LONG}")
        for n in range(25)
    ]
    ticket = tickets[0]
    for _ in range(4):
        services.reply(mariam, ticket, LONG)
        services.add_requester_message(ticket, awa, LONG)
    with django_assert_max_num_queries(12):
        check_page(awa_client.get(reverse("support:my_tickets")))
    with django_assert_max_num_queries(12):
        check_page(awa_client.get(reverse("support:my_ticket", args=[ticket.pk])))


def test_the_visitor_page_is_light(client, db, mariam):
    ticket = services.open_ticket(
        None,
        kind=TicketKind.QUESTION,
        body=LONG,
        visitor_name="Konan",
        visitor_email="k@exemple.ci",
    )
    services.reply(mariam, ticket, LONG)
    check_page(client.get(links.reply_path(ticket)))


def test_the_inactive_account_page_points_to_the_contact_form(client, db):
    user = factories.make_user("Awa", "Bis", email="bis@exemple.ci")
    user.is_active = False
    user.save()
    response = client.get(reverse("account_inactive"))
    assert reverse("support:contact") in response.content.decode()
