from datetime import timedelta

import pytest
from django.utils import timezone

from monquartier.alerts.models import Alert, AlertAcknowledgement, AlertRead, AlertSource
from monquartier.alerts.services import send_alert
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from tests import factories

pytestmark = pytest.mark.django_db


def make_alert(sender, text="Deux hommes rôdent près de l'école", **fields):
    return send_alert(sender, category=fields.pop("category", "suspicious"), text=text, **fields)


def test_member_lists_the_alerts_of_the_community_and_its_twins(
    api_as, riviera, twinned, awa, yao, aya
):
    own = make_alert(yao)
    twins = make_alert(aya, "Un incendie rue des Jardins", category="fire")
    response = api_as(awa).get("/alerts")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [twins.pk, own.pk]
    # The sender's real name, to everyone who receives the alert (privacy.alert_sender_name).
    assert items[0]["sender_name"] == "Aya Kacou"
    assert items[0]["community"] == {"id": twins.community_id, "name": "Riviera 3"}
    assert items[1] == {
        "id": own.pk,
        "category": "suspicious",
        "category_label": "Personne ou véhicule suspect",
        "text": "Deux hommes rôdent près de l'école",
        "created_at": items[1]["created_at"],
        "sender_name": "Yao Kouassi",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
        "read": False,
        "corrects": None,
        "place": None,
    }
    assert response.json()["next_cursor"] is None


def test_other_communities_alerts_are_not_listed_nor_readable(api_as, riviera, issa, yao, koffi):
    alert = make_alert(yao)
    # Koffi's community (Riviera 3) is not twinned with Riviera 2 here.
    assert api_as(koffi).get("/alerts").json()["items"] == []
    assert api_as(koffi).get(f"/alerts/{alert.pk}").status_code == 404
    # Issa belongs to no community.
    response = api_as(issa).get("/alerts")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"
    assert api_as(issa).get(f"/alerts/{alert.pk}").status_code == 404


def test_town_hall_agent_has_no_member_alert_list(api_as, riviera, yao, aicha):
    alert = make_alert(yao)
    assert api_as(aicha).get("/alerts").status_code == 403
    assert api_as(aicha).get(f"/alerts/{alert.pk}").status_code == 404


def test_pending_member_reads_no_alerts(api_as, salif, yao):
    alert = make_alert(yao)
    assert api_as(salif).get("/alerts").status_code == 403
    assert api_as(salif).get(f"/alerts/{alert.pk}").status_code == 404


def test_hidden_alerts_are_neither_listed_nor_shown(api_as, riviera, yao, awa, mariam):
    from monquartier.alerts.services import hide_alert

    alert = make_alert(yao)
    hide_alert(mariam, alert, "Insultes")
    assert api_as(awa).get("/alerts").json()["items"] == []
    assert api_as(awa).get(f"/alerts/{alert.pk}").status_code == 404


def test_cursor_pages_through_without_repeats(api_as, riviera, yao, awa):
    now = timezone.now()
    alerts = [
        Alert.objects.create(
            community=riviera,
            sender=yao,
            category="theft",
            text=f"Vol numéro {number}",
            created_at=now - timedelta(minutes=number % 7),  # ties on the time
        )
        for number in range(45)
    ]
    app = api_as(awa)
    seen, cursor, pages = [], None, 0
    while True:
        body = app.get("/alerts", **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    expected = sorted(alerts, key=lambda alert: (alert.created_at, alert.pk), reverse=True)
    assert seen == [alert.pk for alert in expected]


@pytest.mark.parametrize(
    "cursor",
    ["nimportequoi", "W10", "WyJ4IiwxXQ", "e30", "!!!", "WyIyMDI2LTEyLTAxVDEwOjAwOjAwIiwxXQ"],
)
def test_a_bad_cursor_is_a_422(api_as, riviera, awa, cursor):
    response = api_as(awa).get("/alerts", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "cursor" in response.json()["fields"]


def test_the_list_costs_the_same_queries_whatever_its_length(
    api_as, riviera, riviera3, twinned, yao, aya, awa, django_assert_num_queries, settings
):
    # The rendering's queries (the cached answer's: tests/api/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    app = api_as(awa)
    app.get("/alerts")  # the token's last use is written once
    for number in range(3):
        make_alert(yao, f"Alerte {number}")
    # The token, the membership, the alerts, the read marks, the town hall's messages…
    with django_assert_num_queries(6) as few:
        app.get("/alerts")
    Alert.objects.bulk_create(
        Alert(community=community, sender=sender, category="theft", text=f"Vol {number}")
        for number, (community, sender) in enumerate([(riviera, yao), (riviera3, aya)] * 15)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        body = app.get("/alerts").json()
    assert len(body["items"]) == 20


def test_detail_has_the_readers_state(api_as, riviera, yao, awa):
    alert = make_alert(yao, latitude=5.36, longitude=-3.96)
    app = api_as(awa)
    body = app.get(f"/alerts/{alert.pk}").json()
    assert body["read"] is False
    assert body["is_sender"] is False
    assert body["place"] == {"latitude": 5.36, "longitude": -3.96}
    assert not AlertRead.objects.exists()  # a GET reads nothing
    assert app.post(f"/alerts/{alert.pk}/read").json() == {"read": True}
    assert app.get(f"/alerts/{alert.pk}").json()["read"] is True
    assert app.get("/alerts").json()["items"][0]["read"] is True


def test_reading_cancels_the_waiting_sms(api_as, riviera, yao, awa):
    alert = make_alert(yao)
    Delivery.objects.filter(alert=alert, user=awa, channel=Channel.SMS).update(
        status=DeliveryStatus.QUEUED
    )
    api_as(awa).post(f"/alerts/{alert.pk}/read")
    assert not Delivery.objects.filter(alert=alert, user=awa, status=DeliveryStatus.QUEUED).exists()
    assert AlertRead.objects.filter(alert=alert, user=awa).count() == 1
    api_as(awa).post(f"/alerts/{alert.pk}/read")  # again: nothing more
    assert AlertRead.objects.filter(alert=alert, user=awa).count() == 1


def test_twinned_member_reads_but_does_not_mark_read(api_as, riviera, twinned, yao, aya):
    alert = make_alert(yao)
    app = api_as(aya)
    assert app.get(f"/alerts/{alert.pk}").status_code == 200
    assert app.post(f"/alerts/{alert.pk}/read").status_code == 403


def test_detail_lists_corrections(api_as, riviera, yao, awa):
    first = make_alert(yao)
    correction = send_alert(
        yao, category="suspicious", text="Fausse alerte, c'était le gardien", corrects=first
    )
    body = api_as(awa).get(f"/alerts/{first.pk}").json()
    assert body["corrections"] == [correction.pk]
    assert api_as(awa).get(f"/alerts/{correction.pk}").json()["corrects"] == first.pk


def test_member_sends_an_alert(api_as, riviera, awa, yao):
    response = api_as(yao).post(
        "/alerts",
        {
            "category": "theft",
            "text": "  On a volé une moto   devant la pharmacie ",
            "place": {"latitude": 5.36, "longitude": -3.96},
        },
    )
    assert response.status_code == 201
    alert = Alert.objects.get()
    assert alert.source == AlertSource.API
    assert alert.text == "On a volé une moto devant la pharmacie"
    assert response.json()["id"] == alert.pk
    assert response.json()["is_sender"] is True
    # The fan-out ran, as for the website's alerts.
    assert Delivery.objects.filter(alert=alert, user=awa).exists()


def test_send_refuses_what_the_website_refuses(api_as, riviera, yao):
    app = api_as(yao)
    short = app.post("/alerts", {"category": "theft", "text": "  Ah   "})
    assert short.status_code == 422
    assert short.json()["fields"] == {"text": ["Décrivez ce qui se passe en quelques mots."]}
    unknown = app.post("/alerts", {"category": "martians", "text": "Des martiens"})
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"category": ["Choisissez une des valeurs proposées."]}
    off_map = app.post(
        "/alerts",
        {"category": "theft", "text": "Un vol", "place": {"latitude": 95, "longitude": 0}},
    )
    assert off_map.status_code == 422
    assert off_map.json()["fields"] == {"__all__": ["Le lieu de l'alerte est hors de la carte."]}
    assert not Alert.objects.exists()


def test_send_answers_in_the_members_language(api_as, riviera, yao):
    yao.language = "en"
    yao.save(update_fields=["language"])
    response = api_as(yao).post("/alerts", {"category": "theft", "text": "  Ah   "})
    assert response.json()["fields"]["text"] == ["Describe what is happening in a few words."]


def test_flood_limit_is_a_429(api_as, riviera, yao, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "alert": (2, 600)}
    app = api_as(yao)
    for number in range(2):
        assert (
            app.post("/alerts", {"category": "theft", "text": f"Vol numéro {number}"}).status_code
            == 201
        )
    response = app.post("/alerts", {"category": "theft", "text": "Vol numéro 3"})
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert "text" in response.json()["fields"]


def test_outsider_cannot_send(api_as, issa, salif):
    for user in (issa, salif):
        response = api_as(user).post("/alerts", {"category": "theft", "text": "Un vol ici"})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert not Alert.objects.exists()


def test_correcting_only_ones_own_alert(api_as, riviera, yao, awa):
    yaos = make_alert(yao)
    response = api_as(awa).post(
        "/alerts", {"category": "theft", "text": "Correction", "corrects": yaos.pk}
    )
    assert response.status_code == 422
    assert "corrects" in response.json()["fields"]
    ok = api_as(yao).post(
        "/alerts", {"category": "theft", "text": "Correction", "corrects": yaos.pk}
    )
    assert ok.status_code == 201
    assert ok.json()["corrects"] == yaos.pk


def test_staff_reads_any_alert(api_as, riviera, yao, mariam):
    alert = make_alert(yao)
    assert api_as(mariam).get(f"/alerts/{alert.pk}").status_code == 200


def test_closed_senders_are_named_as_former_members(api_as, riviera, yao, awa):
    from monquartier.accounts.services import close_account

    make_alert(yao)
    close_account(yao)
    assert api_as(awa).get("/alerts").json()["items"][0]["sender_name"] == "Ancien membre"


def test_communes_are_public(api, communes):
    response = api.get("/communes")
    assert response.status_code == 200
    slugs = {row["slug"] for row in response.json()}
    assert {"cocody", "yopougon"} <= slugs


def test_unknown_paths_answer_json(api):
    response = api.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_list_parameters_are_refused(api_as, riviera, awa):
    response = api_as(awa).get("/alerts", page="2")
    assert response.status_code == 422
    assert response.json()["fields"] == {"page": ["Paramètre inconnu."]}


def test_odd_alert_ids_are_json_404s(api_as, riviera, awa):
    for alert_id in ["abc", "1.5", "-1", "%0A", "null,null"]:
        response = api_as(awa).get(f"/alerts/{alert_id}")
        assert response.status_code == 404, alert_id
        assert response.json()["code"] == "not_found"


def test_a_text_too_short_for_the_schema_is_refused_before_the_service(api_as, riviera, yao):
    response = api_as(yao).post("/alerts", {"category": "theft", "text": "Ah"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"text": ["Trop court : 3 caractères au moins."]}


def test_a_place_must_be_numbers(api_as, riviera, yao):
    for place in [{"latitude": False, "longitude": 0}, {"latitude": "5.3", "longitude": -3.9}]:
        response = api_as(yao).post(
            "/alerts", {"category": "theft", "text": "Un vol", "place": place}
        )
        assert response.status_code == 422, place
    assert not Alert.objects.exists()


def test_a_body_that_is_not_an_object_is_refused(api_as, riviera, yao, awa):
    assert api_as(yao).post("/alerts", ["theft", "Un vol"]).status_code == 422
    response = api_as(awa).patch("/me", [None, None])
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "__all__": ["Le corps de la requête n'est pas un objet JSON valide."]
    }


def test_the_detail_costs_a_fixed_number_of_queries(
    api_as, riviera, yao, awa, django_assert_max_num_queries, settings
):
    # The rendering's queries (the cached answer's: tests/api/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    alert = make_alert(yao)
    for number in range(3):
        send_alert(yao, category="theft", text=f"Correction {number}", corrects=alert)
    app = api_as(awa)
    app.get("/me")  # the token's last use is written once
    # The token, the alert with the reader's membership, the read mark, the corrections,
    # the acknowledgements (Awa, référente, follows it: their names too, when there are).
    with django_assert_max_num_queries(5):
        assert app.get(f"/alerts/{alert.pk}").status_code == 200
    for neighbour in ("Adjoua", "Fanta", "Bintou"):
        member = factories.add_member(riviera, first_name=neighbour)
        AlertAcknowledgement.objects.create(alert=alert, user=member, channel="web")
    # One more for the ties of the people who acknowledged, whatever their number.
    with django_assert_max_num_queries(6):
        assert len(app.get(f"/alerts/{alert.pk}").json()["seen"]["names"]) == 3


def test_the_first_page_has_the_town_halls_messages_as_the_website_list(
    api_as, riviera, riviera3, awa, yao, aya, cocody_town_hall, django_assert_num_queries, settings
):
    # The rendering's queries (the cached answer's: tests/api/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
    from monquartier.townhalls.models import Announcement

    def announce(text, communities, **fields):
        announcement = Announcement.objects.create(
            town_hall=cocody_town_hall, category="water_cut", text=text, **fields
        )
        announcement.communities.set(communities)
        return announcement

    app = api_as(yao)
    assert app.get("/alerts").json()["town_hall_messages"] == []
    cut = announce(
        "Coupure d'eau mardi",
        [riviera],
        place="Rue des jardins",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    announce("Pour Riviera 3 seulement", [riviera3])
    announce("Fini", [riviera], created_at=timezone.now() - timedelta(days=30))
    Alert.objects.bulk_create(
        Alert(community=riviera, sender=awa, category="theft", text=f"Vol {number}")
        for number in range(25)
    )
    body = app.get("/alerts").json()
    assert body["town_hall_messages"] == [
        {
            "id": cut.pk,
            "urgent": False,
            "category": "water_cut",
            "category_label": "Coupure d'eau",
            "text": "Coupure d'eau mardi",
            "place": "Rue des jardins",
            "starts_at": body["town_hall_messages"][0]["starts_at"],
            "ends_at": body["town_hall_messages"][0]["ends_at"],
            "created_at": body["town_hall_messages"][0]["created_at"],
            "town_hall": "Mairie de Cocody",
        }
    ]
    # The website's list shows them on its first page only.
    rest = app.get("/alerts", cursor=body["next_cursor"]).json()
    assert rest["town_hall_messages"] == [] and len(rest["items"]) == 5
    # Aya (Riviera 3) reads only hers.
    messages = api_as(aya).get("/alerts").json()["town_hall_messages"]
    assert [item["text"] for item in messages] == ["Pour Riviera 3 seulement"]
    # One query for them, whatever their number.
    with django_assert_num_queries(6) as few:
        app.get("/alerts")
    for number in range(4):
        announce(f"Annonce {number}", [riviera])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(app.get("/alerts").json()["town_hall_messages"]) == 5
