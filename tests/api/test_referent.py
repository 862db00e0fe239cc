"""The référents' endpoints (api/v1/referent.py) and the member card: the website's
référent pages' rules, for the référents of the community only."""

import pytest

from monquartier.communities.models import (
    Membership,
    Movement,
    MovementKind,
    Twinning,
    TwinningStatus,
    ValidationMode,
)
from monquartier.communities.services import request_twinning
from tests import factories

pytestmark = pytest.mark.django_db

REFERENT_GETS = ["/community/referents", "/community/validation-mode", "/community/twinnings"]


@pytest.fixture
def far(db):
    """A community of Cocody 6 km from Riviera 2: too far to twin."""
    founder = factories.make_user("Bakary", "Sanogo", email="bakary.sanogo@exemple.ci")
    return factories.make_community(founder, name="Angré Château", centre=(5.4140, -3.9605))


# --- who may ------------------------------------------------------------------------


@pytest.mark.parametrize("path", REFERENT_GETS)
def test_a_plain_member_gets_a_403(api_as, riviera, yao, path):
    response = api_as(yao).get(path)
    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Cette page est réservée aux référents de la communauté.",
        "fields": {},
    }


@pytest.mark.parametrize("path", REFERENT_GETS)
def test_who_has_no_community_gets_a_403(api_as, riviera, issa, aicha, mariam, path):
    for outsider in (issa, aicha, mariam):
        response = api_as(outsider).get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"


@pytest.mark.parametrize("path", REFERENT_GETS)
def test_a_pending_member_is_told_the_request_waits(api_as, salif, path):
    response = api_as(salif).get(path)
    assert response.status_code == 403
    assert response.json()["message"] == "Votre demande d'adhésion attend encore la validation."


@pytest.mark.parametrize(
    ("method", "path"),
    [
        *(("get", path) for path in REFERENT_GETS),
        ("post", "/community/referents/1/appoint"),
        ("post", "/community/referents/1/remove"),
        ("post", "/community/referents/resign"),
        ("post", "/community/twinnings"),
        ("post", "/community/twinnings/1/accept"),
        ("post", "/community/twinnings/1/refuse"),
        ("post", "/community/twinnings/1/end"),
        ("get", "/community/members/1"),
    ],
)
def test_anonymous_gets_a_401(api, riviera, method, path):
    assert getattr(api, method)(path).status_code == 401


def test_a_plain_member_changes_nothing(api_as, riviera, riviera3, awa, yao):
    app = api_as(yao)
    assert app.post(f"/community/referents/{yao.pk}/appoint").status_code == 403
    assert app.post(f"/community/referents/{awa.pk}/remove").status_code == 403
    assert app.post("/community/twinnings", {"partner": riviera3.pk}).status_code == 403
    put = app.client.put(
        "/api/v1/community/validation-mode",
        {"mode": "staff"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )
    assert put.status_code == 403
    assert Membership.objects.referents().filter(community=riviera).count() == 1
    assert not Twinning.objects.exists()
    riviera.refresh_from_db()
    assert riviera.validation_mode == ValidationMode.REFERENTS


# --- référents ----------------------------------------------------------------------


def test_the_referents_are_listed_with_the_privacy_rules(api_as, riviera, awa, yao):
    factories.add_member(riviera, first_name="Adjoua", last_name="Yapi", referent=True)
    body = api_as(awa).get("/community/referents").json()
    # In the directory's order (by last name); neighbours see each other's real name and
    # the reader is marked.
    assert body == {
        "items": [
            {"user_id": awa.pk, "name": "Awa Koné", "is_me": True},
            {"user_id": body["items"][1]["user_id"], "name": "Adjoua Yapi", "is_me": False},
        ]
    }


def test_appoint_and_remove_a_referent(api_as, riviera, awa, yao):
    app = api_as(awa)
    appointed = app.post(f"/community/referents/{yao.pk}/appoint")
    assert appointed.status_code == 200
    assert {item["name"] for item in appointed.json()["items"]} == {"Awa Koné", "Yao Kouassi"}
    assert Membership.objects.get(user=yao).is_referent
    assert Movement.objects.filter(kind=MovementKind.REFERENT_ADDED, member=yao).exists()
    again = app.post(f"/community/referents/{yao.pk}/appoint")
    assert again.status_code == 422
    assert again.json()["message"] == "Cette personne est déjà référente."
    removed = app.post(f"/community/referents/{yao.pk}/remove")
    assert removed.status_code == 200
    assert [item["name"] for item in removed.json()["items"]] == ["Awa Koné"]
    assert not Membership.objects.get(user=yao).is_referent
    assert app.post(f"/community/referents/{yao.pk}/remove").status_code == 422


def test_a_referent_of_another_community_or_an_outsider_is_a_404(
    api_as, riviera, riviera3, awa, koffi, salif, issa
):
    app = api_as(awa)
    for user in (koffi, salif, issa):
        assert app.post(f"/community/referents/{user.pk}/appoint").status_code == 404
    assert app.post("/community/referents/abc/appoint").status_code == 404
    assert Membership.objects.referents().filter(community=riviera).count() == 1


def test_oneself_is_not_removed_but_resigns(api_as, riviera, awa, yao):
    app = api_as(awa)
    self_removal = app.post(f"/community/referents/{awa.pk}/remove")
    assert self_removal.status_code == 422
    # The only référent may not step down: a community always has one.
    alone = app.post("/community/referents/resign")
    assert alone.status_code == 422
    assert Membership.objects.get(user=awa).is_referent
    app.post(f"/community/referents/{yao.pk}/appoint")
    resigned = app.post("/community/referents/resign")
    assert resigned.status_code == 200
    assert resigned.json()["items"] == [{"user_id": yao.pk, "name": "Yao Kouassi", "is_me": False}]
    assert not Membership.objects.get(user=awa).is_referent
    assert app.get("/community/referents").status_code == 403  # no longer a référent


def test_the_referents_list_costs_a_fixed_number_of_queries(
    api_as, riviera, awa, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/community/referents")  # the token's last use is written once
    # The token, the open membership, the référent's membership, the référents.
    with django_assert_num_queries(4) as few:
        app.get("/community/referents")
    for number in range(6):
        factories.add_member(riviera, first_name=f"Référent{number}", referent=True)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(app.get("/community/referents").json()["items"]) == 7


# --- validation mode ----------------------------------------------------------------


def put(app, path, data):
    return app.client.put(
        f"/api/v1{path}",
        data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {app.token}"},
    )


def test_the_referent_reads_and_changes_the_validation_mode(api_as, riviera, awa):
    app = api_as(awa)
    assert app.get("/community/validation-mode").json() == {
        "mode": "referents",
        "mode_label": "par les référents",
        "set_by_commune": False,
        "choices": ["referents", "staff"],
    }
    response = put(app, "/community/validation-mode", {"mode": "staff"})
    assert response.status_code == 200
    assert response.json()["mode"] == "staff"
    riviera.refresh_from_db()
    assert riviera.validation_mode == ValidationMode.STAFF
    # The other settings keep their value.
    assert riviera.acknowledgement_minutes == 10


@pytest.mark.parametrize("mode", ["townhall", "martians", ""])
def test_a_mode_the_referents_may_not_choose_is_a_422(api_as, riviera, awa, mode):
    response = put(api_as(awa), "/community/validation-mode", {"mode": mode})
    assert response.status_code == 422
    assert "mode" in response.json()["fields"]
    riviera.refresh_from_db()
    assert riviera.validation_mode == ValidationMode.REFERENTS


def test_the_commune_s_town_hall_imposes_its_mode(api_as, riviera, awa):
    factories.make_town_hall("cocody", validation="townhall")
    app = api_as(awa)
    assert app.get("/community/validation-mode").json() == {
        "mode": "townhall",
        "mode_label": "par la mairie partenaire",
        "set_by_commune": True,
        "choices": ["townhall"],
    }
    refused = put(app, "/community/validation-mode", {"mode": "referents"})
    assert refused.status_code == 422
    assert refused.json()["fields"]["mode"] == [
        "La mairie partenaire de la commune décide de la validation des adhésions : "
        "vous ne pouvez pas la changer."
    ]


# --- twinnings ----------------------------------------------------------------------


def test_the_referent_lists_twinnings_and_nearby_communities(
    api_as, riviera, riviera3, twinned, awa, far
):
    body = api_as(awa).get("/community/twinnings").json()
    assert body["items"] == [
        {
            "id": twinned.pk,
            "status": "active",
            "community": {"id": riviera3.pk, "name": "Riviera 3"},
            "asked_by_us": True,
            "requested_at": body["items"][0]["requested_at"],
            "decided_at": body["items"][0]["decided_at"],
        }
    ]
    # Riviera 3 is twinned already; Angré Château is too far.
    assert body["nearby"] == []


def test_ask_accept_and_end_a_twinning(api_as, riviera, riviera3, awa, koffi):
    asker = api_as(awa)
    nearby = asker.get("/community/twinnings").json()["nearby"]
    assert [(item["id"], item["name"]) for item in nearby] == [(riviera3.pk, "Riviera 3")]
    assert 0 <= nearby[0]["distance_m"] <= 3000
    asked = asker.post(
        "/community/twinnings", {"partner": riviera3.pk}, headers={"Idempotency-Key": "twin-0001"}
    )
    assert asked.status_code == 201
    twinning = Twinning.objects.get()
    assert asked.json()["id"] == twinning.pk
    assert (asked.json()["status"], asked.json()["asked_by_us"]) == ("requested", True)
    # A repeat with its key is the same request.
    again = asker.post(
        "/community/twinnings", {"partner": riviera3.pk}, headers={"Idempotency-Key": "twin-0001"}
    )
    assert again.json() == asked.json() and Twinning.objects.count() == 1
    # Without the key, a second request is refused as the website refuses it.
    assert asker.post("/community/twinnings", {"partner": riviera3.pk}).status_code == 422
    # The asker cannot accept its own request.
    assert asker.post(f"/community/twinnings/{twinning.pk}/accept").status_code == 403
    answerer = api_as(koffi)
    received = answerer.get("/community/twinnings").json()["items"]
    assert received[0]["asked_by_us"] is False
    assert received[0]["community"] == {"id": riviera.pk, "name": "Riviera 2"}
    accepted = answerer.post(f"/community/twinnings/{twinning.pk}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    assert answerer.post(f"/community/twinnings/{twinning.pk}/accept").status_code == 422
    ended = asker.post(f"/community/twinnings/{twinning.pk}/end")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    twinning.refresh_from_db()
    assert twinning.status == TwinningStatus.ENDED
    assert asker.get("/community/twinnings").json()["items"] == []


def test_refuse_a_twinning_request(api_as, riviera, riviera3, awa, koffi):
    twinning = request_twinning(koffi, riviera3, riviera)
    response = api_as(awa).post(f"/community/twinnings/{twinning.pk}/refuse")
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    twinning.refresh_from_db()
    assert twinning.status == TwinningStatus.DECLINED


def test_withdraw_a_request(api_as, riviera, riviera3, awa):
    twinning = request_twinning(awa, riviera, riviera3)
    response = api_as(awa).post(f"/community/twinnings/{twinning.pk}/end")
    assert response.status_code == 200
    assert response.json()["status"] == "ended"


def test_only_a_nearby_community_is_asked(api_as, riviera, awa, far):
    app = api_as(awa)
    for partner in (far.pk, riviera.pk, 999999):
        response = app.post("/community/twinnings", {"partner": partner})
        assert response.status_code == 422, partner
        assert response.json()["fields"] == {"partner": ["Choisissez une communauté de la liste."]}
    for body in ({"partner": "1"}, {"partner": True}, {}, {"partner": 0}):
        assert app.post("/community/twinnings", body).status_code == 422, body
    assert not Twinning.objects.exists()


def test_a_twinning_of_other_communities_is_a_404(api_as, riviera, riviera3, awa, koffi, far):
    from monquartier.communities.models import Community

    bakary = Membership.objects.referents().get(community=far).user
    # Riviera 3 and Angré Château are too far apart for the service: made directly.
    others = Twinning.objects.create(
        requester=riviera3, partner=far, requested_by=koffi, status=TwinningStatus.REQUESTED
    )
    assert Community.objects.count() == 3
    for action in ("accept", "refuse", "end"):
        assert api_as(awa).post(f"/community/twinnings/{others.pk}/{action}").status_code == 404
    assert api_as(bakary).post(f"/community/twinnings/{others.pk}/accept").status_code == 200


def test_the_twinnings_list_costs_a_fixed_number_of_queries(
    api_as, riviera, riviera3, awa, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/community/twinnings")  # the token's last use is written once
    # The token, the memberships, the twinnings, the communities nearby.
    with django_assert_num_queries(5) as few:
        app.get("/community/twinnings")
    for number in range(4):
        founder = factories.make_user(f"Fondateur{number}", "Test", email=f"f{number}@exemple.ci")
        other = factories.make_community(
            founder, name=f"Voisine {number}", centre=(5.3595 - 0.008 * (number + 1), -3.9605)
        )
        request_twinning(founder, other, riviera)
    with django_assert_num_queries(len(few.captured_queries)):
        body = app.get("/community/twinnings").json()
    assert len(body["items"]) == 4


# --- member card --------------------------------------------------------------------


def test_a_member_reads_a_neighbours_card(api_as, riviera, awa, yao):
    yao.hide_mobile = True
    yao.save(update_fields=["hide_mobile"])
    body = api_as(awa).get(f"/community/members/{yao.pk}").json()
    assert body["name"] == "Yao Kouassi"
    assert body["is_referent"] is False
    assert body["address"]
    assert body["mobile"] is None  # hidden from the neighbours
    assert body["email"] is None  # never to neighbours
    own = api_as(yao).get(f"/community/members/{yao.pk}").json()
    assert own["mobile"] and own["email"] == "yao.kouassi@exemple.ci"
    assert api_as(yao).get(f"/community/members/{awa.pk}").json()["is_referent"] is True


def test_a_card_outside_the_community_is_a_404(api_as, riviera, riviera3, twinned, awa, aya):
    # Aya is twinned: she is in no directory of Riviera 2.
    assert api_as(awa).get(f"/community/members/{aya.pk}").status_code == 404
    assert api_as(aya).get(f"/community/members/{awa.pk}").status_code == 404
    assert api_as(awa).get("/community/members/999999").status_code == 404


def test_a_card_for_whoever_has_no_community(api_as, riviera, awa, salif, issa, mariam):
    assert api_as(salif).get(f"/community/members/{awa.pk}").status_code == 403
    for user in (issa, mariam):
        response = api_as(user).get(f"/community/members/{awa.pk}")
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"
