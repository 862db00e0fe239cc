"""Who reads and writes what: only the participants read a conversation; everyone else
gets a 404, whatever id they guess. Staff read a message only once it was reported."""

import pytest
from django.http import Http404
from django.urls import reverse

from monquartier.messaging import access, services
from monquartier.messaging.models import Message
from monquartier.moderation import services as moderation
from tests import factories
from tests.messaging.conftest import write

OUTSIDERS = ["visitor", "pending", "same_community", "twinned", "outsider", "staff"]


@pytest.fixture
def people(conversation, awa, yao, ange, bintou, salif, aya, twinned, issa, mariam):
    return {
        "participant": yao,
        "writer": awa,
        "pending": salif,
        "same_community": bintou,
        "twinned": aya,
        "outsider": issa,
        "staff": mariam,
    }


def log_in_as(client, people, role):
    if role == "visitor":
        client.logout()
    else:
        factories.log_in(client, people[role])


@pytest.mark.parametrize("role", ["participant", "writer", *OUTSIDERS])
def test_only_participants_read_a_conversation(client, people, conversation, role):
    log_in_as(client, people, role)
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    expected = {"participant": 200, "writer": 200, "visitor": 302}.get(role, 404)
    assert response.status_code == expected
    if role == "visitor":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", OUTSIDERS)
def test_nobody_else_replies_into_a_conversation(client, people, conversation, role):
    log_in_as(client, people, role)
    response = client.post(
        reverse("messaging:conversation", args=[conversation.pk]), {"text": "Je m'invite !"}
    )
    assert response.status_code == (302 if role == "visitor" else 404)
    assert Message.objects.count() == 1


@pytest.mark.parametrize("role", OUTSIDERS)
def test_guessing_ids_tells_nothing(client, people, conversation, role):
    """An existing id and a missing one answer the same."""
    log_in_as(client, people, role)
    message = conversation.messages.get()
    existing = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    missing = client.get(reverse("messaging:conversation", args=[conversation.pk + 1000]))
    assert existing.status_code == missing.status_code
    report = client.get(reverse("moderation:report", args=["message", message.pk]))
    assert report.status_code == (302 if role == "visitor" else 404)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("participant", 200),
        ("same_community", 200),
        ("twinned", 200),
        ("pending", 403),
        ("outsider", 403),
        ("staff", 403),
        ("visitor", 302),
    ],
)
def test_the_list_and_the_compose_page_are_for_active_members(client, people, role, status):
    log_in_as(client, people, role)
    for name in ("messaging:list", "messaging:compose"):
        response = client.get(reverse(name))
        assert response.status_code == status, name
    if role == "pending":
        assert "demande d'adhésion sera acceptée" in response.content.decode()


def test_the_list_shows_only_ones_own_conversations(client, people, conversation, bintou, aya):
    factories.log_in(client, bintou)
    assert client.get(reverse("messaging:list")).context["rows"] == []
    factories.log_in(client, aya)
    assert client.get(reverse("messaging:list")).context["rows"] == []


@pytest.mark.parametrize("role", ["pending", "outsider", "staff"])
def test_people_outside_a_community_cannot_write(client, people, yao, role):
    log_in_as(client, people, role)
    response = client.post(
        reverse("messaging:compose"), {"to": [yao.pk], "text": "Bonjour", "send": "1"}
    )
    assert response.status_code == 403
    assert Message.objects.count() == 1  # the fixture's conversation only


def test_a_participant_who_left_the_community_loses_access_until_they_join_again(
    client, conversation, yao
):
    from monquartier.communities import services as community_services

    community_services.leave_community(yao)
    factories.log_in(client, yao)
    url = reverse("messaging:conversation", args=[conversation.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "Je suis parti"}).status_code == 404


def test_the_reporter_fetcher_gives_a_received_message_only(conversation, awa, yao, bintou):
    message = conversation.messages.get()
    assert access.get_message_for_reporter(yao, message.pk) == message
    for person in (awa, bintou):  # its writer, a neighbour who was not chosen
        with pytest.raises(Http404):
            access.get_message_for_reporter(person, message.pk)
    with pytest.raises(Http404):
        access.get_message_for_reporter(yao, message.pk + 1000)


def test_a_member_reports_a_message_and_staff_hide_it(client, conversation, yao, ange, mariam):
    message = conversation.messages.get()
    factories.log_in(client, yao)
    url = reverse("moderation:report", args=["message", message.pk])
    assert "Réunion de quartier" in client.get(url).content.decode()
    client.post(url, {"reason": "insult"})
    from monquartier.moderation.models import Report

    report = Report.objects.get()
    moderation.hide_reported_item(mariam, report)
    message.refresh_from_db()
    assert message.is_hidden and message.hidden_by == mariam
    factories.log_in(client, ange)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert "Message masqué par l'équipe" in page and "Réunion de quartier" not in page
    assert client.get(url).status_code == 404  # nothing left to report


def test_the_admin_lists_reported_messages_only(client, riviera, awa, yao, ange, mariam):
    reported = write(awa, [yao], "Message signalé")
    write(awa, [ange], "Message privé que personne n'a signalé")
    moderation.report(yao, "message", reported.pk, reason="spam")
    mariam.is_superuser = True
    mariam.save()
    factories.log_in(client, mariam)
    page = client.get(reverse("admin:messaging_message_changelist")).content.decode()
    assert f">{reported.pk}<" in page
    private = Message.objects.exclude(pk=reported.pk).get()
    assert client.get(reverse("admin:messaging_message_change", args=[private.pk])).status_code in (
        302,
        404,
    )


def test_a_closed_account_is_never_a_participant_who_reads(conversation, yao):
    from monquartier.accounts.services import close_account

    close_account(yao)
    with pytest.raises(Http404):
        access.get_conversation_for_participant(yao, conversation.pk)


def test_a_twinned_member_reads_what_was_written_to_them(client, riviera, awa, aya, twinned):
    message = write(awa, [aya], "Bonjour la voisine d'à côté")
    factories.log_in(client, aya)
    response = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert response.status_code == 200 and "Bonjour la voisine" in response.content.decode()


def test_hiding_needs_staff_and_a_reason(conversation, awa, mariam):
    from django.core.exceptions import PermissionDenied, ValidationError

    message = conversation.messages.get()
    with pytest.raises(PermissionDenied):
        services.hide_message(awa, message, "Je regrette")
    with pytest.raises(ValidationError):
        services.hide_message(mariam, message, "  ")
    services.hide_message(mariam, message, "Insultes")
    message.refresh_from_db()
    assert (message.hidden_reason, message.hidden_by) == ("Insultes", mariam)
    assert Message.objects.filter(pk=message.pk).exists()  # hidden, never deleted


def test_a_member_alone_in_an_untwinned_community_has_nobody_to_write_to(db, riviera):
    """Riviera 2 is not twinned with Niangon: its members are out of reach."""
    far = factories.make_user("Drissa", "Soro", email="drissa.soro@exemple.ci")
    factories.make_community(far, name="Niangon", centre=(5.3265, -4.1060), commune_slug="yopougon")
    assert list(services.recipients_open_to(far)) == []
