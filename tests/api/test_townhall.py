"""The town hall's endpoints (api/v1/townhall.py): per role, per error code, the console's
filters and rules, names by the town-hall column, query counts pinned on the lists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monquartier.alerts.models import Alert
from monquartier.alerts.services import send_alert
from monquartier.townhalls.models import Announcement
from tests import factories
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

WATER_CUT = "Coupure d'eau dimanche de 8 h à 18 h pour travaux sur la conduite principale."


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def niangon(issa):
    return factories.make_community(
        issa, name="Niangon Sud", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )


@pytest.fixture
def yopougon_agent(db):
    return factories.make_agent(
        factories.make_town_hall("yopougon"), "Mamadou", "Koné", email="m.kone@mairie-yop.ci"
    )


@pytest.fixture
def th(client, aicha):
    """Aïcha's app, with a device token."""
    app = ApiClient(client, token_for(aicha))
    app.get("/townhall/alerts")  # the token's last use is written once
    return app


def make_alert(sender, text="Deux hommes rôdent près de l'école", **fields):
    return send_alert(sender, category=fields.pop("category", "suspicious"), text=text, **fields)


def announce(app, to=(), headers=None, **fields):
    body = {"category": "water_cut", "text": WATER_CUT, **fields}
    body.setdefault("communities", [community.pk for community in to])
    return app.post("/townhall/announcements", body, headers=headers)


# --- who may call --------------------------------------------------------------------

GETS = [
    "/townhall/alerts",
    "/townhall/announcements",
    "/townhall/communities",
    "/townhall/dashboard",
]


@pytest.mark.parametrize("path", GETS)
def test_only_agents_of_a_partner_town_hall_get_in(
    path, api, api_as, aicha, cocody_town_hall, riviera, awa, yao, mariam, issa
):
    assert api.get(path).status_code == 401
    for person in (awa, yao, mariam, issa):  # a référent, a member, staff, an outsider
        response = api_as(person).get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_town_hall_agent"
    assert api_as(aicha).get(path).status_code == 200
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    response = api_as(aicha).get(path)
    assert response.status_code == 403 and response.json()["code"] == "partnership_ended"


def test_members_cannot_acknowledge_nor_announce(
    api_as, aicha, cocody_town_hall, riviera, awa, yao, dummy_tasks
):
    alert = make_alert(yao)
    assert api_as(awa).post(f"/townhall/alerts/{alert.pk}/seen").status_code == 403
    assert api_as(awa).get(f"/townhall/alerts/{alert.pk}").status_code == 403
    assert announce(api_as(awa), [riviera]).status_code == 403
    assert not Announcement.objects.exists()
    assert Alert.objects.get().town_hall_seen_at is None


def test_an_agent_of_another_commune_gets_404_for_its_objects(
    api_as, aicha, cocody_town_hall, riviera, yao, yopougon_agent, dummy_tasks
):
    alert = make_alert(yao)
    mine = announce(api_as(aicha), [riviera]).json()
    app = api_as(yopougon_agent)
    assert app.get("/townhall/alerts").json()["items"] == []
    assert app.get(f"/townhall/alerts/{alert.pk}").status_code == 404
    response = app.post(f"/townhall/alerts/{alert.pk}/seen")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert app.get(f"/townhall/announcements/{mine['id']}").status_code == 404
    assert app.get("/townhall/announcements").json()["items"] == []
    assert app.get("/townhall/alerts", community=riviera.pk).status_code == 404
    assert app.get("/townhall/dashboard", community=riviera.pk).status_code == 404
    assert app.get("/townhall/communities").json()["items"] == []
    # Nor can it send to Cocody's communities.
    response = announce(app, [riviera])
    assert response.status_code == 422 and "communities" in response.json()["fields"]
    assert Alert.objects.get().town_hall_seen_at is None


# --- alerts --------------------------------------------------------------------------


def test_the_commune_alerts_name_the_sender_and_leave_other_communes_out(
    th, riviera, riviera3, yao, aya, niangon, issa
):
    own = make_alert(yao, latitude=5.36, longitude=-3.96)
    other = make_alert(aya, "Un incendie rue des Jardins", category="fire")
    Alert.objects.create(community=niangon, sender=issa, category="theft", text="Yopougon")
    body = th.get("/townhall/alerts").json()
    assert [item["id"] for item in body["items"]] == [other.pk, own.pk]
    assert body["next_cursor"] is None
    item = body["items"][1]
    assert item == {
        "id": own.pk,
        "category": "suspicious",
        "category_label": "Personne ou véhicule suspect",
        "text": "Deux hommes rôdent près de l'école",
        "created_at": item["created_at"],
        # Alerts show the sender's real name to the town hall too (alert_sender_name).
        "sender_name": "Yao Kouassi",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
        "corrects": None,
        "place": {"latitude": 5.36, "longitude": -3.96},
        "seen_at": None,
    }
    assert "yao.kouassi@" not in th.get("/townhall/alerts").content.decode()


def test_the_consoles_filters(th, aicha, riviera, riviera3, yao, aya):
    theft = make_alert(yao, "Vol de moto devant la pharmacie", category="theft")
    fire = make_alert(aya, "Un incendie rue des Jardins", category="fire")
    old = make_alert(yao, "Une alerte du mois dernier")
    Alert.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    th.post(f"/townhall/alerts/{fire.pk}/seen")

    def ids(**params):
        response = th.get("/townhall/alerts", **params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["items"]]

    assert ids(community=riviera3.pk) == [fire.pk]
    assert ids(category="theft") == [theft.pk]
    today = timezone.localdate()
    assert ids(since=str(today - timedelta(days=1))) == [fire.pk, theft.pk]
    assert ids(until=str(today - timedelta(days=30))) == [old.pk]
    assert ids(state="seen") == [fire.pk]
    assert ids(state="unseen", community=riviera.pk) == [theft.pk, old.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "meteorite"}, "category"),
        ({"since": "2026-05-10", "until": "2026-05-01"}, "until"),
        ({"since": "hier"}, "since"),
        ({"state": "lu"}, "state"),
        ({"community": "Riviera"}, "community"),
        ({"cursor": "bm9uLWN1cnNvcg"}, "cursor"),
        ({"page": "2"}, "page"),
    ],
)
def test_bad_filters_are_a_422_with_the_field(th, riviera, yao, params, field):
    make_alert(yao)
    response = th.get("/townhall/alerts", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"] and body["message"]


def test_a_community_outside_the_commune_is_404(th, riviera, niangon):
    response = th.get("/townhall/alerts", community=niangon.pk)
    assert response.status_code == 404


def test_the_cursor_pages_through_without_repeats(th, riviera, yao):
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(
            community=riviera,
            sender=yao,
            category="theft",
            text=f"Vol {number}",
            created_at=now - timedelta(minutes=number % 5),  # ties on the time
        )
        for number in range(25)
    )
    first = th.get("/townhall/alerts").json()
    second = th.get("/townhall/alerts", cursor=first["next_cursor"]).json()
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert len(first["items"]) == 20 and second["next_cursor"] is None
    assert sorted(seen) == sorted(Alert.objects.values_list("pk", flat=True))


def test_the_list_costs_the_same_queries_whatever_its_length(
    th, riviera, riviera3, yao, aya, django_assert_num_queries
):
    for number in range(3):
        make_alert(yao, f"Alerte {number}")
    # The token, the agent, the form's communities, the alerts.
    with django_assert_num_queries(4):
        th.get("/townhall/alerts")
    Alert.objects.bulk_create(
        Alert(community=community, sender=sender, category="theft", text=f"Vol {number}")
        for number, (community, sender) in enumerate([(riviera, yao), (riviera3, aya)] * 15)
    )
    with django_assert_num_queries(4):
        body = th.get("/townhall/alerts", category="theft").json()
    assert len(body["items"]) == 20
    # A community filter costs the lookup of the community.
    with django_assert_num_queries(5):
        th.get("/townhall/alerts", community=riviera.pk)


def test_the_detail_shows_what_the_console_page_shows(th, aicha, riviera, yao, awa):
    alert = make_alert(yao)
    body = th.get(f"/townhall/alerts/{alert.pk}").json()
    assert body["sender_name"] == "Yao Kouassi"
    assert body["seen_at"] is None and body["seen_by"] is None
    assert set(body["progress"]) == {"fanned_out", "settled", "read", "push", "email", "sms"}
    assert body["progress"]["fanned_out"] is True
    # Awa's SMS waits while she may still open the alert.
    assert body["progress"]["sms"] == {"reached": 0, "waiting": 1, "failed": 0, "cancelled": 0}
    assert th.get("/townhall/alerts/999999").status_code == 404


def test_acknowledging_is_the_consoles_vu_par_la_mairie(
    th, api_as, aicha, cocody_town_hall, riviera, yao
):
    alert = make_alert(yao)
    response = th.post(f"/townhall/alerts/{alert.pk}/seen")
    assert response.status_code == 200
    body = response.json()
    assert body["newly_seen"] is True and body["seen_by"] == "Aïcha Diomandé"
    alert.refresh_from_db()
    assert alert.town_hall_seen_by == aicha and alert.town_hall_seen_at is not None
    # A colleague's, later: the first agent and time stay.
    colleague = factories.make_agent(cocody_town_hall, "Yves", "Gnagne")
    again = api_as(colleague).post(f"/townhall/alerts/{alert.pk}/seen").json()
    assert again["newly_seen"] is False and again["seen_by"] == "Aïcha Diomandé"
    detail = th.get(f"/townhall/alerts/{alert.pk}").json()
    assert detail["seen_by"] == "Aïcha Diomandé" and detail["seen_at"] == body["seen_at"]


def test_etags_answer_304_until_something_changes(th, riviera, yao):
    alert = make_alert(yao)
    for path in ("/townhall/alerts", f"/townhall/alerts/{alert.pk}"):
        first = th.get(path)
        assert first.has_header("ETag")
        assert th.get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    etag = th.get("/townhall/alerts")["ETag"]
    th.post(f"/townhall/alerts/{alert.pk}/seen")
    assert th.get("/townhall/alerts", headers={"If-None-Match": etag}).status_code == 200


# --- announcements -------------------------------------------------------------------


def test_sending_an_announcement_once_with_an_idempotency_key(
    th, cocody_town_hall, riviera, riviera3, dummy_tasks
):
    key = {"Idempotency-Key": "annonce-0001"}
    response = announce(th, [riviera, riviera3], headers=key)
    assert response.status_code == 201
    body = response.json()
    assert body["urgent"] is False and body["category_label"] == "Coupure d'eau"
    assert body["sent_by"] == "Aïcha Diomandé" and body["community_count"] == 2
    assert [c["name"] for c in body["communities"]] == ["Riviera 2", "Riviera 3"]
    repeat = announce(th, [riviera, riviera3], headers=key)
    assert repeat.status_code == 201 and repeat["Idempotent-Replayed"] == "true"
    assert repeat.json()["id"] == body["id"]
    assert Announcement.objects.count() == 1
    other = announce(th, [riviera], headers=key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Announcement.objects.count() == 1


def test_the_whole_commune(th, cocody_town_hall, riviera, riviera3, niangon, dummy_tasks):
    body = announce(th, everywhere=True, communities=[]).json()
    assert body["community_count"] == 2
    assert {c["name"] for c in body["communities"]} == {"Riviera 2", "Riviera 3"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"communities": []}, "communities"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 601}, "text"),
        ({"place": "y" * 161}, "place"),
        ({"category": "meteorite"}, "category"),
        ({"urgent": "oui"}, "urgent"),
        (
            {"starts_at": "2026-06-02T10:00:00+00:00", "ends_at": "2026-06-01T10:00:00+00:00"},
            "ends_at",
        ),
    ],
)
def test_bad_announcements_are_refused_and_send_nothing(
    th, cocody_town_hall, riviera, dummy_tasks, fields, field
):
    response = announce(th, [riviera], **fields)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not Announcement.objects.exists()


def test_a_community_outside_the_commune_is_refused(th, riviera, niangon, dummy_tasks):
    response = announce(th, [riviera, niangon])
    assert response.status_code == 422 and "communities" in response.json()["fields"]
    assert not Announcement.objects.exists()


def test_a_large_commune_takes_200_communities_at_most(
    th, monkeypatch, cocody_town_hall, riviera, riviera3, dummy_tasks
):
    from monquartier.townhalls import forms

    monkeypatch.setattr(forms, "LIST_UP_TO", 1)  # a "large" commune: names, ids included
    assert announce(th, [riviera, riviera3]).status_code == 201
    response = announce(th, communities=list(range(1, 202)))
    assert response.status_code == 422
    assert "200 au plus" in response.json()["fields"]["communities"][0]
    assert Announcement.objects.count() == 1


def test_the_sms_quota_and_the_daily_limit(
    th, settings, cocody_town_hall, riviera, riviera3, aya, dummy_tasks
):
    cocody_town_hall.sms_quota_per_month = 2
    cocody_town_hall.save()
    response = announce(th, [riviera, riviera3], urgent=True)
    assert response.status_code == 422 and "il en reste 2" in response.json()["message"]
    preview = th.post(
        "/townhall/announcements/preview",
        {"category": "weather", "text": "Orage", "urgent": True, "communities": [riviera.pk]},
    )
    assert preview.status_code == 200
    assert preview.json() | {"communities": None} == {
        "urgent": True,
        "communities": None,
        "members": 2,
        "push": 0,
        "email": 2,
        "sms": 2,
        "sms_remaining": 2,
    }
    assert not Announcement.objects.exists()  # the preview sends nothing
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "town_hall_announcement": (1, 3600)}
    assert announce(th, [riviera]).status_code == 201
    response = announce(th, [riviera])
    assert response.status_code == 429 and response.json()["code"] == "too_many_requests"
    assert Announcement.objects.count() == 1


def test_the_list_and_detail_with_their_reach(
    th, aicha, cocody_town_hall, riviera, riviera3, yao, run_tasks, django_assert_num_queries
):
    first = announce(th, [riviera]).json()
    run_tasks()
    body = th.get("/townhall/announcements").json()
    assert [item["id"] for item in body["items"]] == [first["id"]]
    item = body["items"][0]
    assert item["reach"] == {"push": 0, "email": 2, "sms": 0}  # Awa and Yao
    assert "communities" not in item and item["community_count"] == 1
    assert body["sms_remaining"] == cocody_town_hall.sms_quota_per_month
    detail = th.get(f"/townhall/announcements/{first['id']}").json()
    assert detail["reach"] == item["reach"] and detail["communities"][0]["name"] == "Riviera 2"
    assert th.get("/townhall/announcements/999999").status_code == 404
    # The token, the agent, the page, the reach, the SMS spent: whatever the length.
    with django_assert_num_queries(5):
        th.get("/townhall/announcements")
    for number in range(24):
        Announcement.objects.create(
            town_hall=cocody_town_hall, sent_by=aicha, category="event", text=f"Fête {number}"
        ).communities.set([riviera, riviera3])
    with django_assert_num_queries(5):
        page = th.get("/townhall/announcements").json()
    assert len(page["items"]) == 20 and page["next_cursor"]
    rest = th.get("/townhall/announcements", cursor=page["next_cursor"]).json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None


# --- communities and dashboard -------------------------------------------------------


def test_the_communities_with_their_referents_by_public_name(
    th, monkeypatch, riviera, riviera3, aya, niangon, django_assert_num_queries
):
    body = th.get("/townhall/communities").json()
    assert body["town_hall"]["commune"] == "Cocody" and body["total"] == 2
    assert body["items"] == [
        {
            "id": riviera.pk,
            "name": "Riviera 2",
            "member_count": 2,
            "new_members": body["items"][0]["new_members"],
            "referents": ["Awa K."],
        },
        {
            "id": riviera3.pk,
            "name": "Riviera 3",
            "member_count": 2,
            "new_members": body["items"][1]["new_members"],
            "referents": ["Koffi B."],
        },
    ]
    assert "Koné" not in th.get("/townhall/communities").content.decode()
    assert [c["name"] for c in th.get("/townhall/communities", q="3").json()["items"]] == [
        "Riviera 3"
    ]
    # The token, the agent, the total, the page, its référents.
    with django_assert_num_queries(5):
        th.get("/townhall/communities")
    from monquartier.api.v1 import townhall

    monkeypatch.setattr(townhall, "COMMUNITIES_PER_PAGE", 1)
    first = th.get("/townhall/communities").json()
    assert [c["name"] for c in first["items"]] == ["Riviera 2"]
    second = th.get("/townhall/communities", cursor=first["next_cursor"]).json()
    assert [c["name"] for c in second["items"]] == ["Riviera 3"]
    assert second["next_cursor"] is None
    assert th.get("/townhall/communities", cursor="WyJhIiwiYiJd").status_code == 422


def test_the_dashboards_figures(th, aicha, riviera, riviera3, yao, aya):
    make_alert(yao, category="theft")
    seen = make_alert(aya, "Un incendie rue des Jardins", category="fire")
    th.post(f"/townhall/alerts/{seen.pk}/seen")
    body = th.get("/townhall/dashboard").json()
    assert body["alerts"] == 2 and body["seen_by_town_hall"] == 1
    assert body["community"] is None and body["end"] == str(timezone.localdate())
    assert {row["category"]: row["count"] for row in body["by_category"]}["fire"] == 1
    assert sum(week["count"] for week in body["by_week"]) == 2
    assert body["top_communities"] == [
        {"name": "Riviera 2", "count": 1},
        {"name": "Riviera 3", "count": 1},
    ]
    one = th.get("/townhall/dashboard", community=riviera3.pk, period="3").json()
    assert one["alerts"] == 1 and one["community"]["name"] == "Riviera 3"
    response = th.get("/townhall/dashboard", period="dates", start="2026-01-01")
    assert response.status_code == 422 and "Indiquez les deux dates" in response.json()["message"]
    assert th.get("/townhall/dashboard", period="24").status_code == 422


def test_the_dashboard_costs_a_fixed_number_of_queries(
    th, riviera, riviera3, yao, aya, django_assert_num_queries
):
    for number in range(3):
        make_alert(yao, f"Alerte {number}")
    # The token, the agent, the form's communities, then the figures (townhalls/dashboard.py,
    # the daily aggregate and today's alerts in one query each): the communities (with
    # the aggregate's state), the weeks and categories.
    with django_assert_num_queries(5):
        th.get("/townhall/dashboard")
    Alert.objects.bulk_create(
        Alert(community=community, sender=sender, category="theft", text=f"Vol {number}")
        for number, (community, sender) in enumerate([(riviera, yao), (riviera3, aya)] * 15)
    )
    with django_assert_num_queries(5):
        assert th.get("/townhall/dashboard").json()["alerts"] == 33


def test_errors_speak_the_agents_language(api_as, aicha, riviera, yao):
    aicha.language = "en"
    aicha.save()
    app = api_as(aicha)
    response = app.get("/townhall/alerts", since="2026-05-10", until="2026-05-01")
    assert response.json()["fields"]["until"] == ["The end of the period is before its start."]
    yao.language = "en"
    yao.save()
    response = api_as(yao).get("/townhall/alerts")
    assert (
        response.json()["message"]
        == "These addresses are for the agents of a partner town hall only."
    )
