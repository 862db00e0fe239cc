"""Writing: to whom, what, and who hears about it."""

import html

import pytest
from django.core import mail
from django.urls import reverse

from monquartier.accounts.services import close_account
from monquartier.communities import services as community_services
from monquartier.communities.models import Twinning
from monquartier.core.flood import flood_limit
from monquartier.messaging import services
from monquartier.messaging.models import Conversation, Message, Participant
from monquartier.notifications.models import Notification, NotificationKind
from monquartier.outbox.models import Delivery
from tests import factories
from tests.messaging.conftest import write


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def send(client, recipients, text="Bonjour, la réunion est confirmée."):
    return client.post(
        reverse("messaging:compose"),
        {"to": [getattr(person, "pk", person) for person in recipients], "text": text, "send": "1"},
    )


def test_a_member_writes_to_a_neighbour_and_a_twinned_member(
    awa_client, awa, yao, aya, twinned, sms_outbox
):
    response = send(
        awa_client, [yao, aya], "  Qui a vu le chat roux du lot 12 ?\r\nIl a disparu hier.  "
    )
    message = Message.objects.get()
    url = reverse("messaging:conversation", args=[message.conversation_id])
    assert response["Location"] == f"{url}#m{message.pk}"
    assert message.text == "Qui a vu le chat roux du lot 12 ?\nIl a disparu hier."
    assert set(message.conversation.participants.values_list("user", flat=True)) == {
        awa.pk,
        yao.pk,
        aya.pk,
    }
    # Each recipient is told with the name they may see: the real name in Awa's own
    # community, her public name (no pseudonym: first name and initial) in the twinned one.
    told = {item.recipient: item for item in Notification.objects.filter(event="new_message")}
    assert set(told) == {yao, aya}
    excerpt = "Qui a vu le chat roux du lot 12 ? Il a disparu hier."
    assert told[yao].data == {"sender": "Awa Koné", "excerpt": excerpt}
    assert told[aya].data == {"sender": "Awa K.", "excerpt": excerpt}
    for notification in told.values():
        assert (notification.kind, notification.url, notification.actor) == (
            NotificationKind.MESSAGE,
            url,
            awa,
        )
        assert notification.community == twinned.requester
    assert not sms_outbox
    assert not Delivery.objects.filter(channel="sms").exists()


def test_a_twinned_member_is_named_by_pseudonym_to_the_other_community(riviera, awa, aya, twinned):
    write(aya, [awa], "Bonjour Awa")
    told = Notification.objects.get(recipient=awa, event="new_message")
    assert told.data["sender"] == "Aya la couturière"


def test_notification_emails_escape_names(riviera, awa, aya, twinned):
    awa.pseudonym = "<b>Awa</b><script>alert(1)</script>"
    awa.save()
    write(awa, [aya], "<script>alert('x')</script>")
    email = next(item for item in mail.outbox if item.to == [aya.email])
    body = email.alternatives[0][0]
    assert "<script>alert(1)" not in body and "&lt;b&gt;Awa&lt;/b&gt;&lt;script&gt;" in body
    assert "<b>Awa</b>" in email.body  # the text part is plain text
    assert email.subject.startswith("Message de <b>Awa</b>")  # a subject is plain text
    # The excerpt of the message too: escaped in the HTML part, as written in the text.
    assert "<script>alert('x')" not in body and "&lt;script&gt;alert(" in body
    assert "« <script>alert('x')</script> »" in email.body


def test_script_in_a_message_shows_as_text(client, riviera, awa, yao):
    message = write(awa, [yao], "<script>alert('x')</script> <img src=x onerror=alert(1)>")
    factories.log_in(client, yao)
    for url in (
        reverse("messaging:list"),
        reverse("messaging:conversation", args=[message.conversation_id]),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Écrivez votre message."),
        ("   \n  ", "Écrivez votre message."),
        ("x" * 2001, "2 000 caractères au plus"),
    ],
)
def test_an_empty_or_too_long_message_is_refused(awa_client, riviera, yao, text, error):
    response = send(awa_client, [yao], text)
    assert response.status_code == 400
    assert error in text_of(response)
    assert response.context["form"].errors["text"]
    assert not Conversation.objects.exists()


def test_two_thousand_characters_with_windows_line_breaks_are_accepted(awa_client, riviera, yao):
    text = ("x" * 99 + "\r\n") * 20  # 2,000 characters once line breaks are one each
    assert send(awa_client, [yao], text).status_code == 302
    assert len(Message.objects.get().text) == 1999


@pytest.fixture
def recipient(request, riviera, awa, yao, salif, issa, aya, koffi):
    """Someone Awa may not write to, by the name of the case."""
    case = request.param
    if case == "forged":
        return 987654
    if case == "not_a_number":
        return "yao"
    if case == "self":
        return awa
    if case == "pending":
        return salif
    if case == "outsider":
        return issa
    if case == "twinned_not_twinned":  # Riviera 3 exists but is not twinned
        return aya
    if case == "left":
        community_services.leave_community(yao)
        return yao
    if case == "closed":
        close_account(yao)
        return yao
    if case == "without_email":  # registered by a référent, never logs in
        return factories.add_member(riviera, first_name="Tenin", last_name="Diabaté", email="")
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("recipient", "error"),
    [
        ("forged", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("not_a_number", "Destinataire inconnu."),
        ("self", "Vous ne pouvez pas vous écrire à vous-même."),
        ("pending", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("outsider", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("twinned_not_twinned", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("left", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("closed", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
        ("without_email", "Vous ne pouvez écrire qu'aux membres de votre communauté"),
    ],
    indirect=["recipient"],
)
def test_a_recipient_outside_the_allowed_set_is_refused_and_nothing_is_created(
    awa_client, recipient, error
):
    response = send(awa_client, [recipient])
    assert response.status_code == 400
    assert error in text_of(response)
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert not Notification.objects.filter(event="new_message").exists()


def test_one_forged_recipient_refuses_the_whole_message(awa_client, riviera, yao):
    response = send(awa_client, [yao, 987654])
    assert response.status_code == 400
    assert not Message.objects.exists()
    # The form keeps the valid recipient and the text for another try.
    assert [person["user_id"] for person in response.context["chosen"]] == [yao.pk]
    assert "la réunion est confirmée" in text_of(response)


def test_a_message_needs_a_recipient(awa_client, riviera):
    response = send(awa_client, [])
    assert response.status_code == 400
    assert "Choisissez au moins un destinataire." in text_of(response)


def test_twenty_recipients_at_most(awa_client, riviera):
    neighbours = [
        factories.add_member(riviera, first_name=f"Voisin{index}", last_name="Test")
        for index in range(21)
    ]
    response = send(awa_client, neighbours)
    assert response.status_code == 400
    assert "20 destinataires au plus ; vous en avez choisi 21" in text_of(response)
    assert not Message.objects.exists()
    assert send(awa_client, neighbours[:20]).status_code == 302
    assert Participant.objects.count() == 21


def test_the_service_refuses_what_the_form_would_not_offer(riviera, awa, issa, salif):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        services.start_conversation(awa, [issa.pk], "Bonjour")
    with pytest.raises(PermissionDenied):
        services.start_conversation(salif, [awa.pk], "Bonjour")
    assert not Conversation.objects.exists()


def test_writing_again_to_the_same_people_continues_the_conversation(riviera, awa, yao, ange):
    first = write(awa, [yao, ange])
    again = write(yao, [ange, awa], "Je confirme")
    other = write(awa, [yao], "Rien que pour toi")
    assert again.conversation == first.conversation
    assert other.conversation != first.conversation
    assert Conversation.objects.count() == 2


def test_a_reply_goes_to_everyone_in_the_conversation(client, conversation, awa, yao, ange):
    factories.log_in(client, yao)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response = client.post(url, {"text": "J'apporte les chaises."})
    reply = Message.objects.latest("id")
    assert response["Location"] == f"{url}#m{reply.pk}"
    told = Notification.objects.filter(event="new_message", actor=yao)
    assert {item.recipient for item in told} == {awa, ange}
    assert {item.data["sender"] for item in told} == {"Yao Kouassi"}


def test_a_bad_reply_is_refused_next_to_the_field(client, conversation, yao):
    factories.log_in(client, yao)
    response = client.post(
        reverse("messaging:conversation", args=[conversation.pk]), {"text": "x" * 2001}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["text"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert conversation.messages.count() == 1


def test_replies_continue_after_the_twinning_ended(riviera, awa, aya, koffi, twinned):
    from django.core.exceptions import ValidationError

    message = write(awa, [aya], "Merci pour l'alerte d'hier soir.")
    community_services.end_twinning(koffi, Twinning.objects.get())
    # A new conversation follows the strict rule…
    with pytest.raises(ValidationError, match="communautés jumelées"):
        write(awa, [aya, koffi], "Nouveau sujet")
    # …but both may still answer in the one they share.
    reply = services.reply(aya, message.conversation, "Avec plaisir !")
    assert Notification.objects.filter(recipient=awa, event="new_message").get().data == {
        "sender": "Aya la couturière",
        "excerpt": "Avec plaisir !",
    }
    assert reply.conversation == message.conversation


def test_a_participant_who_left_gets_no_notification(conversation, awa, yao, ange):
    community_services.leave_community(ange)
    services.reply(yao, conversation, "Ange est partie, on continue à deux.")
    told = Notification.objects.filter(event="new_message", actor=yao)
    assert [item.recipient for item in told] == [awa]


def test_a_closed_account_stays_in_the_history_as_a_former_member(client, conversation, awa, yao):
    services.reply(yao, conversation, "Je déménage à Bouaké, au revoir !")
    close_account(yao)
    factories.log_in(client, awa)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert "Ancien membre" in page and "Je déménage à Bouaké" in page
    assert "Kouassi" not in page


def test_the_service_names_each_problem_after_what_it_concerns(riviera, awa, yao, issa):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.start_conversation(awa, [yao.pk], "   ")
    assert set(caught.value.error_dict) == {"text"}
    with pytest.raises(ValidationError) as caught:
        services.start_conversation(awa, [issa.pk], "Bonjour")
    assert set(caught.value.error_dict) == {"to"}


def test_the_flood_guard_stops_a_spammer(riviera, awa, yao):
    from django.core.exceptions import ValidationError

    message = write(awa, [yao])
    for _index in range(flood_limit("message").count - 1):
        services.reply(awa, message.conversation, "Encore moi")
    with pytest.raises(ValidationError, match="attendez quelques minutes"):
        services.reply(awa, message.conversation, "Et encore")
