"""The staff's desk: the queue, replies by e-mail, internal notes, and what the
requester sees of it."""

from django.core import mail
from django.urls import reverse

from monquartier.audit.models import AuditEntry
from monquartier.notifications.models import Notification
from monquartier.outbox.models import Delivery
from monquartier.support import links, services
from monquartier.support.models import MessageKind, Ticket, TicketKind, TicketStatus
from tests import factories


def test_members_agents_and_visitors_get_404_on_staff_pages(client, awa_ticket, awa, aicha):
    urls = [
        reverse("support:staff_queue"),
        reverse("support:staff_ticket", args=[awa_ticket.pk]),
    ]
    posts = [
        reverse("support:staff_message", args=[awa_ticket.pk]),
        reverse("support:staff_status", args=[awa_ticket.pk]),
        reverse("support:staff_account", args=[awa_ticket.pk, "suspendre"]),
    ]
    for user in (awa, aicha):
        factories.log_in(client, user)
        for url in urls:
            assert client.get(url).status_code == 404
        for url in posts:
            assert (
                client.post(
                    url, {"kind": "reply", "body": "x" * 20, "status": "closed"}
                ).status_code
                == 404
            )
        client.logout()
    assert client.get(urls[0]).status_code == 302  # visitors: the log-in first
    assert not awa_ticket.messages.exclude(kind=MessageKind.REQUESTER).exists()


def test_the_queue_lists_unfinished_tickets_and_filters(
    staff_client, mariam, awa_ticket, visitor_ticket
):
    page = staff_client.get(reverse("support:staff_queue")).content.decode()
    assert awa_ticket.reference in page and "Brigitte Yao" in page
    services.set_status(mariam, visitor_ticket, TicketStatus.CLOSED)
    page = staff_client.get(reverse("support:staff_queue")).content.decode()
    assert "Brigitte Yao" not in page
    page = staff_client.get(reverse("support:staff_queue"), {"status": "closed"}).content.decode()
    assert "Brigitte Yao" in page and "Koné" not in page
    services.assign(mariam, awa_ticket, mariam)
    page = staff_client.get(reverse("support:staff_queue"), {"assignee": "none", "status": "all"})
    assert "Koné" not in page.content.decode()
    page = staff_client.get(reverse("support:staff_queue"), {"assignee": "me"})
    assert "Koné" in page.content.decode()
    page = staff_client.get(reverse("support:staff_queue"), {"kind": TicketKind.MERGE})
    assert "Koné" not in page.content.decode()
    # Bad filters are ignored, never a 500.
    response = staff_client.get(
        reverse("support:staff_queue"), {"status": "x" * 300, "page": "z", "q": "#" * 500}
    )
    assert response.status_code == 200


def test_the_queue_runs_the_same_queries_for_many_tickets(
    staff_client, awa, django_assert_max_num_queries
):
    for number in range(30):
        factories_user = factories.make_user("Membre", f"N{number}")
        services.open_ticket(
            factories_user, kind=TicketKind.QUESTION, body="Une question de plus, merci."
        )
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("support:staff_queue"))
    assert response.status_code == 200


def test_staff_reply_by_email_through_the_outbox(staff_client, mariam, awa_ticket, awa, run_tasks):
    run_tasks()
    mail.outbox.clear()
    response = staff_client.post(
        reverse("support:staff_message", args=[awa_ticket.pk]),
        {"kind": "reply", "body": "Ouvrez Mon quartier, puis Référents."},
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get(support_email__purpose="reply")
    assert delivery.address == "awa.kone@exemple.ci" and delivery.user == awa
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["awa.kone@exemple.ci"]
    assert "Ouvrez Mon quartier, puis Référents." in message.body
    awa_ticket.refresh_from_db()
    assert awa_ticket.status == TicketStatus.WAITING
    entry = AuditEntry.objects.get(action="support.reply")
    assert (
        entry.actor == mariam
        and entry.member == awa
        and entry.target == f"support.ticket:{awa_ticket.pk}"
    )


def test_internal_notes_are_never_shown_nor_sent_to_the_requester(
    staff_client, client, mariam, awa_ticket, awa, run_tasks
):
    run_tasks()
    mail.outbox.clear()
    staff_client.post(
        reverse("support:staff_message", args=[awa_ticket.pk]),
        {"kind": "note", "body": "Vérifier d'abord avec le référent Koffi."},
    )
    services.assign(mariam, awa_ticket, mariam)
    run_tasks()
    assert not mail.outbox
    assert AuditEntry.objects.filter(action="support.note", member=awa).exists()
    staff_page = staff_client.get(reverse("support:staff_ticket", args=[awa_ticket.pk]))
    assert "avec le référent Koffi." in staff_page.content.decode()
    staff_client.logout()
    factories.log_in(client, awa)
    page = client.get(reverse("support:my_ticket", args=[awa_ticket.pk])).content.decode()
    assert "Comment changer de référent" in page
    assert "Koffi" not in page and "Confiée" not in page and "Mariam" not in page


def test_the_requester_follows_and_answers_in_their_account(client, awa, awa_ticket, mariam):
    services.reply(mariam, awa_ticket, "Pouvez-vous préciser la communauté ?")
    factories.log_in(client, awa)
    listing = client.get(reverse("support:my_tickets")).content.decode()
    assert awa_ticket.reference in listing
    assert (
        reverse("support:my_tickets") in client.get(reverse("accounts:settings")).content.decode()
    )
    url = reverse("support:my_ticket", args=[awa_ticket.pk])
    assert "Pouvez-vous préciser la communauté ?" in client.get(url).content.decode()
    client.post(url, {"body": "Riviera 2, à Cocody."})
    awa_ticket.refresh_from_db()
    assert awa_ticket.status == TicketStatus.OPEN
    assert awa_ticket.messages.filter(kind=MessageKind.REQUESTER).count() == 2
    assert client.post(url, {"body": ""}).status_code == 200
    assert client.post(url, {"body": "x" * 5000}).status_code == 200
    assert awa_ticket.messages.filter(kind=MessageKind.REQUESTER).count() == 2


def test_a_member_never_opens_anothers_ticket(client, yao, awa_ticket, visitor_ticket):
    factories.log_in(client, yao)
    assert client.get(reverse("support:my_ticket", args=[awa_ticket.pk])).status_code == 404
    assert client.get(reverse("support:my_ticket", args=[visitor_ticket.pk])).status_code == 404
    assert awa_ticket.reference not in client.get(reverse("support:my_tickets")).content.decode()


def test_a_visitor_answers_by_the_link_of_the_email(client, mariam, visitor_ticket, run_tasks):
    services.reply(mariam, visitor_ticket, "Il faut trois voisins au moins.")
    services.add_note(mariam, visitor_ticket, "Village de Songon, à rappeler.")
    run_tasks()
    reply_mail = next(m for m in mail.outbox if "Il faut trois voisins" in m.body)
    url = links.reply_path(visitor_ticket)
    assert url in reply_mail.body
    page = client.get(url)
    content = page.content.decode()
    assert "Il faut trois voisins au moins." in content and "Songon" not in content
    assert page["Referrer-Policy"] == "no-referrer"
    client.post(url, {"body": "Merci, nous sommes cinq."})
    assert visitor_ticket.messages.filter(kind=MessageKind.REQUESTER).count() == 2
    # The link gives no account: the visitor is still nobody.
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_a_forged_or_voided_link_opens_nothing(client, visitor_ticket, awa_ticket):
    good = links.reply_token(visitor_ticket)
    for token in [good[:-2] + "xx", "abc", "x" * 500, links.reply_token(awa_ticket)]:
        response = client.get(reverse("support:visitor_ticket", args=[token]))
        assert response.status_code == 404
        assert (
            client.post(
                reverse("support:visitor_ticket", args=[token]), {"body": "Bonjour à vous"}
            ).status_code
            == 404
        )
    Ticket.objects.filter(pk=visitor_ticket.pk).update(
        reply_key="00000000-0000-0000-0000-000000000000"
    )
    assert client.get(reverse("support:visitor_ticket", args=[good])).status_code == 404
    assert visitor_ticket.messages.count() == 1


def test_a_closed_ticket_takes_no_more_messages(client, mariam, visitor_ticket):
    services.set_status(mariam, visitor_ticket, TicketStatus.CLOSED)
    url = links.reply_path(visitor_ticket)
    response = client.post(url, {"body": "Encore une question"})
    assert "fermée" in response.content.decode()
    assert visitor_ticket.messages.filter(kind=MessageKind.REQUESTER).count() == 1


def test_staff_actions_are_audited(staff_client, mariam, awa_ticket):
    staff_client.post(
        reverse("support:staff_assign", args=[awa_ticket.pk]), {"assignee": mariam.pk}
    )
    staff_client.post(reverse("support:staff_status", args=[awa_ticket.pk]), {"status": "resolved"})
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "support.assign",
        "support.status",
    }
    awa_ticket.refresh_from_db()
    assert awa_ticket.assignee == mariam and awa_ticket.status == TicketStatus.RESOLVED
    assert awa_ticket.resolved_at is not None
    # Bad input: a refusal, nothing changed.
    assert (
        staff_client.post(
            reverse("support:staff_status", args=[awa_ticket.pk]), {"status": "nope"}
        ).status_code
        == 400
    )
    assert (
        staff_client.post(
            reverse("support:staff_assign", args=[awa_ticket.pk]), {"assignee": "999999"}
        ).status_code
        == 400
    )
    assert (
        staff_client.post(
            reverse("support:staff_message", args=[awa_ticket.pk]), {"kind": "reply", "body": ""}
        ).status_code
        == 400
    )
    assert AuditEntry.objects.count() == 2


def test_attachments_are_served_to_the_requester_and_staff_only(client, awa, yao, mariam):
    ticket = services.open_ticket(
        awa,
        kind=TicketKind.QUESTION,
        body="Voici une capture d'écran.",
        attachment=factories.uploaded_image(),
    )
    message = ticket.messages.get()
    url = reverse("support:attachment", args=[message.pk])
    factories.log_in(client, yao)
    assert client.get(url).status_code == 404
    factories.log_in(client, awa)
    assert client.get(url).status_code == 200
    factories.log_in(client, mariam)
    assert client.get(url).status_code == 200


def test_an_identity_theft_is_announced_to_staff_at_once(awa, mariam):
    services.open_ticket(
        awa,
        kind=TicketKind.IDENTITY_THEFT,
        body="Un faux compte utilise mon nom.",
        facts={"impersonated_name": "Awa Koné", "community_name": "Riviera 2"},
    )
    (notification,) = Notification.objects.filter(event="support_identity_theft")
    assert notification.recipient == mariam
    assert notification.url.startswith("/equipe/assistance/")


def test_the_assignee_hears_of_the_requesters_answer(awa, mariam, awa_ticket):
    services.add_requester_message(awa_ticket, awa, "Une précision sans personne pour la lire.")
    assert not Notification.objects.filter(event="support_answer").exists()
    services.assign(mariam, awa_ticket, mariam)
    services.add_requester_message(awa_ticket, awa, "Une précision pour Mariam.")
    (notification,) = Notification.objects.filter(event="support_answer")
    assert notification.recipient == mariam


def test_the_ticket_page_records_that_staff_looked_and_runs_few_queries(
    staff_client, mariam, awa, awa_ticket, django_assert_max_num_queries
):
    for number in range(10):
        services.reply(mariam, awa_ticket, f"Réponse {number}")
        services.add_note(mariam, awa_ticket, f"Note {number}")
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("support:staff_ticket", args=[awa_ticket.pk]))
    assert response.status_code == 200
    (entry,) = AuditEntry.objects.filter(pk__gt=last)
    assert (entry.action, entry.actor, entry.member) == ("member.view", mariam, awa)


def test_the_admin_leads_to_the_desk(staff_client, awa_ticket):
    response = staff_client.get(reverse("admin:support_ticket_changelist"))
    assert response["Location"] == reverse("support:staff_queue")
    response = staff_client.get(reverse("admin:support_ticket_change", args=[awa_ticket.pk]))
    assert response["Location"] == reverse("support:staff_ticket", args=[awa_ticket.pk])


def test_a_visitor_without_email_is_called_back(staff_client):
    ticket = services.open_ticket(
        None,
        kind=TicketKind.QUESTION,
        body="Rappelez-moi s'il vous plaît.",
        visitor_name="Konan",
        visitor_phone="07 58 12 34 56",
    )
    page = staff_client.get(reverse("support:staff_ticket", args=[ticket.pk])).content.decode()
    assert "Répondez par téléphone" in page and "07 58 12 34 56" in page


def test_a_visitor_opens_the_attachments_of_their_own_ticket_only(client, visitor_ticket, mariam):
    other = services.open_ticket(
        None,
        kind=TicketKind.QUESTION,
        body="Voici la photo du faux profil.",
        visitor_name="Konan",
        visitor_email="konan@exemple.ci",
        attachment=factories.uploaded_image(),
    )
    message = other.messages.get()
    own = reverse("support:visitor_attachment", args=[links.reply_token(other), message.pk])
    assert client.get(own).status_code == 200
    foreign = reverse(
        "support:visitor_attachment", args=[links.reply_token(visitor_ticket), message.pk]
    )
    assert client.get(foreign).status_code == 404
    assert client.get(reverse("support:attachment", args=[message.pk])).status_code in (302, 404)
