from datetime import timedelta

import pytest
from django.utils import timezone

from monquartier.messaging import services
from monquartier.messaging.models import Conversation, Message, Participant
from tests import factories
from tests.api.conftest import token_for
from tests.messaging.conftest import write

pytestmark = pytest.mark.django_db


@pytest.fixture
def ange(riviera):
    return factories.add_member(
        riviera, first_name="Ange", last_name="Ehui", email="ange.ehui@exemple.ci"
    )


@pytest.fixture
def conversation(riviera, awa, yao, ange):
    return write(awa, [yao, ange], "Réunion de quartier samedi à 10 h.").conversation


def test_member_lists_conversations_with_unread_counts(api_as, conversation, awa, yao, ange):
    services.reply(yao, conversation, "J'y serai.")
    body = api_as(awa).get("/conversations").json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item == {
        "id": conversation.pk,
        "others": ["Yao Kouassi", "Ange Ehui"],
        "last_message_at": item["last_message_at"],
        "last_excerpt": "J'y serai.",
        "last_sender_name": "Yao Kouassi",
        "last_is_mine": False,
        "last_hidden": False,
        "unread": 1,
    }
    assert api_as(ange).get("/conversations").json()["items"][0]["unread"] == 2


def test_a_twinned_member_sees_public_names_only(api_as, riviera, awa, yao, aya, twinned):
    message = write(awa, [yao, aya], "Qui vient au match samedi ?")
    app = api_as(aya)
    for path in ("/conversations", f"/conversations/{message.conversation_id}"):
        text = app.get(path).content.decode()
        assert "Awa K." in text and "Yao de la Riviera" in text
        for secret in ("Koné", "Kouassi", "exemple.ci", "+225"):
            assert secret not in text, secret


def test_outsiders_get_404_and_non_members_403(
    api, api_as, conversation, koffi, issa, aicha, salif, mariam, riviera
):
    bintou = factories.add_member(riviera, first_name="Bintou", last_name="Cissé")
    for user in (bintou, koffi, issa, aicha, salif, mariam):
        app = api_as(user)
        assert app.get(f"/conversations/{conversation.pk}").status_code == 404
        assert app.post(
            f"/conversations/{conversation.pk}/messages", {"text": "Coucou"}
        ).status_code in (404,)
        assert app.post(f"/conversations/{conversation.pk}/read").status_code == 404
    for user in (issa, aicha, salif):
        response = api_as(user).get("/conversations")
        assert (response.status_code, response.json()["code"]) == (403, "not_a_member")
        assert api_as(user).get("/recipients").status_code == 403
        response = api_as(user).post("/conversations", {"to": [conversation.pk], "text": "x"})
        assert response.status_code == 403
    assert api_as(bintou).get("/conversations").json()["items"] == []
    assert Message.objects.count() == 1
    for response in (
        api.get("/conversations"),
        api.get(f"/conversations/{conversation.pk}"),
        api.get("/recipients"),
        api.post("/conversations", {"to": [1], "text": "x"}),
    ):
        assert response.status_code == 401


def test_the_list_costs_the_same_queries_whatever_its_length(
    api_as, riviera, awa, yao, ange, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/conversations")
    write(awa, [yao])
    with django_assert_num_queries(5) as few:
        app.get("/conversations")
    people = [
        factories.add_member(riviera, first_name=f"Voisin{n}", last_name="Test") for n in range(22)
    ]
    for person in people:
        write(person, [awa, yao], f"Bonjour de {person.first_name}")
    with django_assert_num_queries(len(few.captured_queries)):
        body = app.get("/conversations").json()
    assert len(body["items"]) == 20
    rest = app.get("/conversations", cursor=body["next_cursor"]).json()
    assert len(rest["items"]) == 3 and rest["next_cursor"] is None
    ids = [item["id"] for item in body["items"] + rest["items"]]
    assert sorted(ids) == sorted(
        Participant.objects.filter(user=awa).values_list("conversation_id", flat=True)
    )


def test_a_conversation_pages_back_and_hides_hidden_messages(
    api_as, conversation, awa, yao, mariam, django_assert_max_num_queries
):
    start = timezone.now()
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            sender=yao,
            text=f"Message {n}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(35)
    )
    hidden = Message.objects.get(text="Message 34")
    services.hide_message(mariam, hidden, "Insulte")
    app = api_as(awa)
    app.get("/conversations")
    with django_assert_max_num_queries(7):
        body = app.get(f"/conversations/{conversation.pk}").json()
    messages = body["messages"]
    assert len(messages) == 30
    assert messages[-1] == {
        "id": hidden.pk,
        "sender_name": "Yao Kouassi",
        "is_mine": False,
        "text": "",
        "hidden": True,
        "created_at": messages[-1]["created_at"],
    }
    older = app.get(f"/conversations/{conversation.pk}", cursor=body["older_cursor"]).json()
    assert [item["text"] for item in older["messages"]][:2] == [
        "Réunion de quartier samedi à 10 h.",
        "Message 0",
    ]
    assert older["messages"][0]["is_mine"] is True
    assert len(older["messages"]) == 6 and older["older_cursor"] is None
    assert app.get(f"/conversations/{conversation.pk}", cursor="!!").status_code == 422


def test_reply_is_idempotent_and_checked(api_as, conversation, awa, yao):
    app = api_as(yao)
    headers = {"Idempotency-Key": "reply-0001-abcd"}
    first = app.post(
        f"/conversations/{conversation.pk}/messages", {"text": " J'y serai. "}, headers
    )
    assert first.status_code == 201
    body = first.json()
    assert body["conversation"] == conversation.pk
    assert (body["message"]["text"], body["message"]["is_mine"]) == ("J'y serai.", True)
    again = app.post(
        f"/conversations/{conversation.pk}/messages", {"text": " J'y serai. "}, headers
    )
    assert again.json() == body and again["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == 2
    empty = app.post(f"/conversations/{conversation.pk}/messages", {"text": "   "})
    assert empty.status_code == 422
    assert empty.json()["fields"] == {"text": ["Écrivez votre message."]}
    too_long = app.post(f"/conversations/{conversation.pk}/messages", {"text": "a" * 2001})
    assert too_long.status_code == 422 and "text" in too_long.json()["fields"]
    assert Message.objects.count() == 2


def test_read_marks_the_conversation_up_to_a_message(api_as, conversation, awa, yao):
    first = services.reply(yao, conversation, "Un")
    services.reply(yao, conversation, "Deux")
    app = api_as(awa)
    assert app.post(f"/conversations/{conversation.pk}/read", {"up_to": first.pk}).json() == {
        "read": True
    }
    assert app.get("/conversations").json()["items"][0]["unread"] == 1
    assert app.post(f"/conversations/{conversation.pk}/read").status_code == 200
    assert app.get("/conversations").json()["items"][0]["unread"] == 0
    other = write(yao, [awa], "Ailleurs")
    response = app.post(f"/conversations/{conversation.pk}/read", {"up_to": other.pk})
    assert (response.status_code, list(response.json()["fields"])) == (422, ["up_to"])


def test_recipients_search_by_the_names_one_may_see(
    api_as, riviera, awa, yao, aya, koffi, twinned, django_assert_max_num_queries
):
    app = api_as(awa)
    app.get("/recipients")
    with django_assert_max_num_queries(5):
        body = app.get("/recipients").json()
    assert body["items"] == [
        {"user_id": yao.pk, "name": "Yao Kouassi", "community": ""},
        # Twinned members by the name they chose to show outside their community.
        {"user_id": aya.pk, "name": "Aya la couturière", "community": "Riviera 3"},
        {"user_id": koffi.pk, "name": "Koffi B.", "community": "Riviera 3"},
    ]
    assert body["next_page"] is None
    assert [item["user_id"] for item in app.get("/recipients", q="aya").json()["items"]] == [aya.pk]
    # Aya's last name is not hers to be found by, for a member of another community.
    assert app.get("/recipients", q="Kacou").json()["items"] == []
    assert app.get("/recipients", page="0").status_code == 422
    assert app.get("/recipients", q="x" * 101).status_code == 422
    assert app.get("/recipients", nom="x").status_code == 422


def test_recipients_page_by_twenty(api_as, riviera, awa):
    for n in range(21):
        factories.add_member(riviera, first_name=f"Voisin{n:02}", last_name="Test")
    app = api_as(awa)
    body = app.get("/recipients").json()
    assert len(body["items"]) == 20 and body["next_page"] == 2
    assert len(app.get("/recipients", page=2).json()["items"]) == 2  # with Yao


def test_start_a_conversation_once_with_a_key(api_as, riviera, awa, yao, koffi):
    app = api_as(awa)
    headers = {"Idempotency-Key": "start-0001-abcd"}
    first = app.post("/conversations", {"to": [yao.pk], "text": "Bonjour !"}, headers)
    assert first.status_code == 201
    again = app.post("/conversations", {"to": [yao.pk], "text": "Bonjour !"}, headers)
    assert again.json() == first.json()
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1
    # Writing again to the same people continues the conversation.
    more = app.post("/conversations", {"to": [yao.pk], "text": "Tu es là ?"})
    assert more.json()["conversation"] == first.json()["conversation"]
    # Someone of another community, oneself, nobody: refused, nothing sent.
    for to in ([koffi.pk], [awa.pk], [], [999999]):
        response = app.post("/conversations", {"to": to, "text": "Salut"})
        assert response.status_code == 422
        assert list(response.json()["fields"]) == ["to"]
    assert app.post("/conversations", {"to": [yao.pk], "text": ""}).json()["fields"] == {
        "text": ["Écrivez votre message."]
    }
    assert app.post("/conversations", {"to": "x", "text": "a"}).status_code == 422
    assert Message.objects.count() == 2


def test_lists_answer_304_until_a_message_arrives(api_as, conversation, awa, yao):
    app = api_as(awa)
    for path in ("/conversations", f"/conversations/{conversation.pk}", "/recipients"):
        first = app.get(path)
        assert app.get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    etag = app.get("/conversations")["ETag"]
    services.reply(yao, conversation, "Nouveau")
    assert app.get("/conversations", headers={"If-None-Match": etag}).status_code == 200


def test_the_websites_flood_limit_is_a_429(api_as, conversation, awa, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "message": (2, 600)}
    app = api_as(awa)
    path = f"/conversations/{conversation.pk}/messages"
    assert app.post(path, {"text": "Un"}).status_code == 201  # the fixture's makes two
    response = app.post(path, {"text": "Deux"})
    assert (response.status_code, response.json()["code"]) == (429, "too_many_requests")
    assert Message.objects.filter(sender=awa).count() == 2


def test_read_takes_no_body_or_a_strict_one(client, api_as, conversation, awa, yao):
    path = f"/api/v1/conversations/{conversation.pk}/read"
    headers = {"Authorization": f"Bearer {token_for(yao)}"}
    # No body at all (Content-Length: 0), as for an alert's read mark.
    assert client.post(path, "", content_type="application/json", headers=headers).json() == {
        "read": True
    }
    for body in ('{"up_to": "1"}', '{"up_to": true}', "[1]", "{"):
        response = client.post(path, body, content_type="application/json", headers=headers)
        assert response.status_code == 422, body
        assert list(response.json()["fields"]) == ["up_to"]


def test_recipient_ids_are_numbers_not_booleans(api_as, riviera, awa, yao):
    response = api_as(yao).post("/conversations", {"to": [True], "text": "Salut"})
    assert response.status_code == 422
    assert not Message.objects.exists()
