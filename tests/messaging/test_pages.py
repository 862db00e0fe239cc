"""The conversations list, a conversation, the picker: names by the privacy rules, unread
counts, fixed query counts, light pages."""

import gzip
import html
import re

import pytest
from django.urls import reverse

from monquartier.messaging import services
from monquartier.messaging.models import Message, Participant
from tests import factories
from tests.messaging.conftest import write

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def check_light(response):
    html = response.content
    assert len(gzip.compress(html)) < 14 * 1024
    assert not INLINE_SCRIPT.search(html.decode()), "inline script"
    assert ' style="' not in html.decode(), "inline style attribute (blocked by the CSP)"


def test_a_twinned_member_sees_public_names_only(client, riviera, awa, yao, aya, twinned):
    message = write(awa, [yao, aya], "Qui vient au match samedi ?")
    factories.log_in(client, aya)
    for url in (
        reverse("messaging:list"),
        reverse("messaging:conversation", args=[message.conversation_id]),
    ):
        page = client.get(url).content.decode()
        assert "Awa K." in page and "Yao de la Riviera" in page
        for secret in ("Koné", "Kouassi", "exemple.ci", "+225", "Lot 12", str(yao.mobile)):
            assert secret not in page, secret


def test_a_name_ending_with_its_initial_gets_no_second_dot(
    awa_client, riviera, awa, yao, aya, koffi, twinned
):
    added = awa_client.post(reverse("messaging:compose"), {"to": [yao.pk], "add": koffi.pk})
    message = write(awa, [aya], "Bonjour la voisine")
    factories.log_in(awa_client, aya)
    page = awa_client.get(reverse("messaging:conversation", args=[message.conversation_id]))

    assert "Ajouté aux destinataires : Koffi B.<" in added.content.decode()
    assert "Votre réponse ira à : Awa K.<" in page.content.decode()


def test_own_community_members_see_real_names(client, riviera, awa, yao, aya, twinned):
    message = write(awa, [yao, aya], "Qui vient au match samedi ?")
    factories.log_in(client, yao)
    page = client.get(
        reverse("messaging:conversation", args=[message.conversation_id])
    ).content.decode()
    assert "Awa Koné" in page and "Aya la couturière" in page and "Kacou" not in page


def test_the_picker_offers_neighbours_by_real_name_and_twinned_members_by_public_name(
    awa_client, riviera, yao, salif, issa, aya, koffi, twinned
):
    factories.add_member(riviera, first_name="Tenin", last_name="Diabaté", email="")
    response = awa_client.get(reverse("messaging:compose"))
    check_light(response)
    page = response.content.decode()
    for shown in ("Yao Kouassi", "Aya la couturière", "Koffi B.", "Riviera 3"):
        assert shown in page, shown
    for hidden in ("Kacou", "Brou", "Salif", "Issa", "Tenin"):
        assert hidden not in page, hidden
    offered = [(person["user_id"], person["community"]) for person in response.context["people"]]
    # Own community first.
    assert offered == [(yao.pk, ""), (aya.pk, "Riviera 3"), (koffi.pk, "Riviera 3")]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("kouassi", ["yao"]),
        ("yao kou", ["yao"]),
        ("couturière", ["aya"]),
        ("Kacou", []),
        ("Brou", []),
        ("Koffi", ["koffi"]),
    ],
)
def test_search_finds_twinned_members_only_by_what_one_may_see(
    awa_client, riviera, yao, aya, koffi, twinned, query, found
):
    people = {"yao": yao.pk, "aya": aya.pk, "koffi": koffi.pk}
    response = awa_client.get(reverse("messaging:compose"), {"q": query})
    assert [person["user_id"] for person in response.context["people"]] == [
        people[name] for name in found
    ]


def test_adding_without_javascript_keeps_the_text(awa_client, riviera, yao, ange):
    response = awa_client.post(
        reverse("messaging:compose"), {"to": [yao.pk], "add": ange.pk, "text": "Brouillon"}
    )
    assert response.status_code == 200
    assert [person["user_id"] for person in response.context["chosen"]] == [yao.pk, ange.pk]
    page = response.content.decode()
    assert "Brouillon</textarea>" in page
    assert f'name="to" value="{ange.pk}" id="to-{ange.pk}" checked' in page
    assert not Message.objects.exists()


def test_adding_with_htmx_returns_the_picker_only(awa_client, riviera, yao, ange):
    response = awa_client.post(
        reverse("messaging:compose"), {"to": [yao.pk], "add": ange.pk}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<html" not in page and 'id="picker"' in page
    assert "Ajouté aux destinataires : Ange Ehui<" in page and 'hx-swap-oob="innerHTML"' in page
    assert "autofocus" in page


def test_adding_a_forged_id_explains_and_adds_nothing(awa_client, riviera, yao, issa):
    response = awa_client.post(
        reverse("messaging:compose"), {"to": [yao.pk], "add": issa.pk}, HTTP_HX_REQUEST="true"
    )
    assert [person["user_id"] for person in response.context["chosen"]] == [yao.pk]
    assert "Vous ne pouvez écrire qu'aux membres" in html.unescape(response.content.decode())


def test_live_search_returns_the_people_part(awa_client, riviera, yao, ange):
    url = reverse("messaging:people")
    response = awa_client.get(url, {"q": "ange", "to": [yao.pk]}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and "Ange Ehui" in page and "Yao" not in page
    plain = awa_client.get(url, {"q": "ange", "to": [yao.pk]})
    assert plain.status_code == 302
    assert plain["Location"] == f"{reverse('messaging:compose')}?a={yao.pk}&q=ange"


def test_a_link_can_choose_the_first_recipient(awa_client, riviera, yao):
    response = awa_client.get(reverse("messaging:compose"), {"a": yao.pk})
    assert [person["user_id"] for person in response.context["chosen"]] == [yao.pk]


def test_the_picker_stops_offering_at_twenty(awa_client, riviera):
    neighbours = [
        factories.add_member(riviera, first_name=f"Voisin{index}", last_name="Test")
        for index in range(21)
    ]
    response = awa_client.get(
        reverse("messaging:compose"), {"a": [person.pk for person in neighbours[:20]]}
    )
    page = response.content.decode()
    assert "nombre maximum de destinataires" in page and 'name="add"' not in page


def test_the_picker_is_paginated(awa_client, riviera):
    for index in range(25):
        factories.add_member(riviera, first_name=f"Voisin{index:02d}", last_name="Test")
    first = awa_client.get(reverse("messaging:compose"))
    assert len(first.context["people"]) == 20
    second = awa_client.post(reverse("messaging:compose"), {"page": "2"})
    assert len(second.context["people"]) == 6  # Yao and the last five


def test_unread_counts_per_conversation_and_in_total(client, conversation, awa, yao, ange):
    assert (services.unread_count(yao), services.unread_count(awa)) == (1, 0)
    services.reply(ange, conversation, "Je serai là.")
    other = write(awa, [yao], "Et toi, tu viens ?")
    assert services.unread_count(yao) == 3 and services.unread_count(awa) == 1
    factories.log_in(client, yao)
    rows = client.get(reverse("messaging:list")).context["rows"]
    assert [(row["seat"].conversation_id, row["seat"].unread) for row in rows] == [
        (other.conversation_id, 1),
        (conversation.pk, 2),
    ]
    client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert services.unread_count(yao) == 1
    page = client.get(reverse("messaging:list")).content.decode()
    assert "1 non lu" in page


def test_unread_count_is_one_query(conversation, yao, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.unread_count(yao) == 1


def test_hidden_messages_are_not_unread(conversation, yao, mariam):
    services.hide_message(mariam, conversation.messages.get(), "Insultes")
    assert services.unread_count(yao) == 0


def test_a_message_arriving_while_reading_stays_unread(conversation, awa, yao):
    seat = Participant.objects.get(conversation=conversation, user=yao)
    read_up_to = conversation.last_message_at
    services.reply(awa, conversation, "Arrivé pendant la lecture")
    services.mark_read(seat, read_up_to)
    assert services.unread_count(yao) == 1


def test_the_home_page_shows_unread_messages(client, conversation, yao):
    factories.log_in(client, yao)
    page = client.get(reverse("home")).content.decode()
    assert reverse("messaging:list") in page
    assert '<span class="badge badge--alert">1</span>' in page


def test_the_list_is_sorted_by_last_message(client, riviera, awa, yao, ange):
    old = write(awa, [yao], "Ancien")
    new = write(awa, [ange], "Récent")
    services.reply(yao, old.conversation, "Je relance")
    factories.log_in(client, awa)
    rows = client.get(reverse("messaging:list")).context["rows"]
    assert [row["seat"].conversation_id for row in rows] == [
        old.conversation_id,
        new.conversation_id,
    ]
    assert rows[0]["last_sender"] == "Yao Kouassi"


def test_the_list_costs_the_same_queries_whatever_its_length(
    client, riviera, awa, yao, ange, aya, twinned, django_assert_num_queries
):
    neighbours = [yao, ange, aya] + [
        factories.add_member(riviera, first_name=f"Voisin{index}", last_name="Test")
        for index in range(25)
    ]
    for index in range(2):
        write(neighbours[index], [awa, neighbours[index + 1]], f"Conversation {index}")
    factories.log_in(client, awa)
    url = reverse("messaging:list")
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    check_light(response)
    for index in range(2, 25):
        write(awa, neighbours[index : index + 3], f"Conversation {index}")
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["rows"]) == 20
    check_light(response)


def test_a_long_conversation_shows_the_latest_thirty_then_older_ones(
    client, conversation, awa, yao
):
    for index in range(34):
        services.reply(awa if index % 2 else yao, conversation, f"Message numéro {index + 1}")
    factories.log_in(client, yao)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response = client.get(url)
    check_light(response)
    thread = response.context["thread"]
    assert len(thread) == 30
    assert thread[0].text == "Message numéro 5" and thread[-1].text == "Message numéro 34"
    older = response.context["older"]
    assert f'href="?avant={older}"' in response.content.decode()
    earlier = client.get(url, {"avant": older})
    texts = [message.text for message in earlier.context["thread"]]
    assert texts[0].startswith("Réunion de quartier") and texts[-1] == "Message numéro 4"
    assert earlier.context["older"] is None


def test_report_links_on_others_messages_only(client, conversation, awa, yao):
    services.reply(yao, conversation, "Réponse de Yao")
    factories.log_in(client, yao)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    first, mine = conversation.messages.order_by("id")
    assert reverse("moderation:report", args=["message", first.pk]) in page
    assert reverse("moderation:report", args=["message", mine.pk]) not in page


def test_pages_are_light_and_script_free(client, conversation, awa):
    factories.log_in(client, awa)
    for url in (
        reverse("messaging:list"),
        reverse("messaging:compose"),
        reverse("messaging:conversation", args=[conversation.pk]),
    ):
        check_light(client.get(url))


def test_nothing_to_edit_or_delete(client, conversation, awa):
    from django.urls import NoReverseMatch

    for name in ("messaging:edit", "messaging:delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[conversation.pk])


def test_a_conversation_costs_the_same_queries_whatever_its_length(
    client, conversation, awa, yao, ange, django_assert_num_queries
):
    factories.log_in(client, yao)
    url = reverse("messaging:conversation", args=[conversation.pk])
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for index in range(40):
        services.reply(ange if index % 2 else awa, conversation, f"Message {index}")
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["thread"]) == 30
