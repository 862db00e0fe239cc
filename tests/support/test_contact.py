"""The contact form: a form per subject, checked on the server, safe from bots."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from monquartier.support.forms import KIND_FIELDS
from monquartier.support.models import CONTACT_KINDS, MessageKind, Ticket, TicketKind
from tests import factories

BODY = "Bonjour, j'ai besoin de votre aide pour mon quartier."


def _url(kind: str) -> str:
    return reverse("support:contact_form", args=[kind])


def _visitor(**fields) -> dict:
    return {
        "body": BODY,
        "visitor_name": "Brigitte Yao",
        "visitor_email": "brigitte@exemple.ci",
        **fields,
    }


def test_the_contact_page_lists_every_subject_of_the_form_and_no_other(client, db):
    page = client.get(reverse("support:contact")).content.decode()
    for kind in CONTACT_KINDS:
        assert _url(kind) in page
    assert TicketKind.EXCLUSION not in CONTACT_KINDS
    assert client.get(_url("exclusion")).status_code == 404
    assert client.get(_url("nimportequoi")).status_code == 404


def test_a_visitor_asks_a_question_and_gets_an_acknowledgement(client, db, run_tasks):
    response = client.post(_url(TicketKind.QUESTION), _visitor())
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.requester is None and ticket.visitor_email == "brigitte@exemple.ci"
    assert ticket.messages.get().kind == MessageKind.REQUESTER
    assert ticket.reference in response.content.decode()
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["brigitte@exemple.ci"] and ticket.reference in message.subject
    # The link to follow it opens that ticket only.
    assert "/contact/suivi/" in message.body


def test_a_visitor_gives_a_name_and_an_email_or_a_phone(client, db):
    response = client.post(_url(TicketKind.QUESTION), {"body": BODY})
    form = response.context["form"]
    assert "visitor_name" in form.errors and "visitor_email" in form.errors
    response = client.post(
        _url(TicketKind.QUESTION), {"body": BODY, "visitor_name": "B", "visitor_phone": "abc"}
    )
    assert "visitor_phone" in response.context["form"].errors
    assert not Ticket.objects.exists()
    client.post(
        _url(TicketKind.QUESTION),
        {"body": BODY, "visitor_name": "Brigitte", "visitor_phone": "07 08 09 10 11"},
    )
    assert Ticket.objects.get().visitor_phone == "07 08 09 10 11"


@pytest.mark.parametrize("kind", [kind for kind in CONTACT_KINDS if KIND_FIELDS[kind]])
def test_each_subject_requires_its_own_fields(client, db, kind):
    response = client.post(_url(kind), _visitor())
    assert response.status_code == 200
    errors = response.context["form"].errors
    for name, required in KIND_FIELDS[kind]:
        assert (name in errors) == required
    assert not Ticket.objects.exists()


def test_the_form_shows_only_the_fields_of_its_subject(client, db):
    page = client.get(_url(TicketKind.IDENTITY_THEFT)).content.decode()
    assert 'name="impersonated_name"' in page and 'name="correct_name"' not in page
    page = client.get(_url(TicketKind.COMMUNE_NAME)).content.decode()
    assert 'name="correct_name"' in page and 'name="impersonated_name"' not in page


def test_a_merge_needs_the_other_referents_agreement(client, db):
    data = _visitor(community_name="Riviera 2", other_community_name="Riviera 3")
    response = client.post(_url(TicketKind.MERGE), data)
    assert "accord" in str(response.context["form"].errors["referents_agree"])
    client.post(_url(TicketKind.MERGE), {**data, "referents_agree": "on"})
    ticket = Ticket.objects.get()
    assert ticket.facts == {
        "community_name": "Riviera 2",
        "other_community_name": "Riviera 3",
        "referents_agree": True,
    }


def test_empty_and_huge_messages_are_refused(client, db):
    for body in ["", "   ", "court", "x" * 4001]:
        response = client.post(_url(TicketKind.QUESTION), _visitor(body=body))
        assert "body" in response.context["form"].errors
    response = client.post(
        _url(TicketKind.COMMUNE_NAME),
        _visitor(wrong_name="x" * 201, correct_name="Bingerville"),
    )
    assert "wrong_name" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_member_is_known_and_lands_on_their_ticket(client, awa, run_tasks):
    factories.log_in(client, awa)
    page = client.get(_url(TicketKind.QUESTION)).content.decode()
    assert 'name="visitor_email"' not in page
    response = client.post(_url(TicketKind.QUESTION), {"body": BODY})
    ticket = Ticket.objects.get()
    assert ticket.requester == awa and not ticket.visitor_email
    assert response["Location"] == reverse("support:my_ticket", args=[ticket.pk])
    run_tasks()
    assert [message.to for message in mail.outbox] == [["awa.kone@exemple.ci"]]


def test_the_honeypot_looks_like_success_and_saves_nothing(client, db, run_tasks):
    response = client.post(_url(TicketKind.QUESTION), _visitor(website="http://spam.example"))
    assert response.status_code == 200
    assert "Merci" in response.content.decode()
    assert not Ticket.objects.exists()
    run_tasks()
    assert not mail.outbox


def test_a_visitor_writes_five_tickets_a_day_at_most(client, db, settings):
    for _ in range(5):
        client.post(_url(TicketKind.QUESTION), _visitor())
    response = client.post(_url(TicketKind.QUESTION), _visitor())
    assert "déjà écrit 5 fois" in response.content.decode()
    assert Ticket.objects.count() == 5
    # Another address from the same network address is counted too.
    response = client.post(_url(TicketKind.QUESTION), _visitor(visitor_email="autre@exemple.ci"))
    assert Ticket.objects.count() == 5


def test_all_visitors_together_are_capped(client, db, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "support_visitors": (3, 3600)}
    for number in range(3):
        client.post(
            _url(TicketKind.QUESTION),
            _visitor(visitor_email=f"v{number}@exemple.ci"),
            REMOTE_ADDR=f"10.0.0.{number}",
        )
    response = client.post(
        _url(TicketKind.QUESTION), _visitor(visitor_email="v9@exemple.ci"), REMOTE_ADDR="10.0.0.9"
    )
    assert "réessayez dans une heure" in response.content.decode()
    assert Ticket.objects.count() == 3


def test_a_member_writes_five_tickets_a_day_at_most(client, awa):
    factories.log_in(client, awa)
    for _ in range(6):
        client.post(_url(TicketKind.QUESTION), {"body": BODY})
    assert Ticket.objects.filter(requester=awa).count() == 5


def test_a_photo_is_reencoded_and_kept_privately(client, db):
    photo = factories.uploaded_image("capture.jpg")
    client.post(
        _url(TicketKind.IDENTITY_THEFT),
        _visitor(impersonated_name="Awa Koné", community_name="Riviera 2", attachment=photo),
    )
    message = Ticket.objects.get().messages.get()
    assert (
        message.attachment.name.startswith("support/") and message.attachment_name == "capture.jpg"
    )
    # Nobody but staff and the requester reads it.
    assert client.get(reverse("support:attachment", args=[message.pk])).status_code in (302, 404)


def test_a_pdf_is_accepted_and_an_active_pdf_refused(client, db):
    client.post(
        _url(TicketKind.TOWN_HALL),
        _visitor(
            town_hall_name="Mairie de Bingerville",
            contact_role="Secrétaire général",
            attachment=SimpleUploadedFile("lettre.pdf", factories.pdf_bytes(), "application/pdf"),
        ),
    )
    assert Ticket.objects.get().messages.get().attachment.name.endswith(".pdf")
    hostile = factories.raw_pdf(
        {
            1: factories.PDF_CATALOGUE % b"/OpenAction 4 0 R",
            2: factories.PDF_PAGES,
            3: factories.PDF_PAGE % b"",
            4: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
        }
    )
    response = client.post(
        _url(TicketKind.QUESTION),
        _visitor(visitor_email="x@exemple.ci", attachment=SimpleUploadedFile("x.pdf", hostile)),
    )
    assert "attachment" in response.context["form"].errors
    assert Ticket.objects.count() == 1


def test_an_attachment_over_the_limit_or_not_an_image_is_refused(client, db, settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 10_000
    big = SimpleUploadedFile("grand.jpg", factories.image_bytes(size=(2000, 2000)) + b"0" * 20_000)
    response = client.post(_url(TicketKind.QUESTION), _visitor(attachment=big))
    assert "limite" in str(response.context["form"].errors["attachment"])
    text = SimpleUploadedFile("virus.exe", b"MZ" + b"\0" * 100)
    response = client.post(_url(TicketKind.QUESTION), _visitor(attachment=text))
    assert "attachment" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_an_unanswered_join_request_younger_than_15_days_is_refused(client, riviera, salif):
    factories.log_in(client, salif)
    response = client.post(
        _url(TicketKind.UNANSWERED_JOIN), {"community_name": "Riviera 2", "body": BODY}
    )
    assert "moins de 15 jours" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_old_join_request_is_linked_to_the_ticket(client, riviera, salif):
    from datetime import timedelta

    from django.utils import timezone

    from monquartier.communities.models import Membership

    membership = Membership.objects.get(user=salif)
    Membership.objects.filter(pk=membership.pk).update(
        requested_at=timezone.now() - timedelta(days=16)
    )
    factories.log_in(client, salif)
    client.post(_url(TicketKind.UNANSWERED_JOIN), {"community_name": "Riviera 2", "body": BODY})
    ticket = Ticket.objects.get()
    assert ticket.membership == membership and ticket.community == riviera


def test_a_link_to_a_member_card_names_the_suspected_account(client, riviera, yao, issa, settings):
    link = settings.SITE_URL + reverse("communities:member", args=[riviera.pk, yao.pk])
    factories.log_in(client, issa)
    client.post(
        _url(TicketKind.IDENTITY_THEFT),
        {
            "impersonated_name": "Yao",
            "community_name": "Riviera 2",
            "profile_link": link,
            "body": BODY,
        },
    )
    assert Ticket.objects.get().impersonator == yao


def test_a_link_elsewhere_names_nobody(client, db):
    client.post(
        _url(TicketKind.IDENTITY_THEFT),
        _visitor(
            impersonated_name="Yao",
            community_name="Riviera 2",
            profile_link="https://evil.example/c/1/membres/1/",
        ),
    )
    assert Ticket.objects.get().impersonator is None


def test_a_members_ticket_names_their_community_for_the_queue(client, riviera, yao):
    factories.log_in(client, yao)
    client.post(_url(TicketKind.QUESTION), {"body": BODY})
    assert Ticket.objects.get().community == riviera
