from datetime import timedelta

import pytest
from django.utils import timezone

from monquartier.communities.models import Membership, MembershipStatus, Movement, MovementKind
from tests import factories

pytestmark = pytest.mark.django_db


def neighbour_of(community, first_name="Mariam", last_name="Koné", **fields):
    """An account whose home is inside the community, not yet a member."""
    user = factories.make_user(first_name, last_name, email=f"{first_name.lower()}@exemple.ci")
    factories.make_home(
        user, latitude=community.centre_latitude, longitude=community.centre_longitude, **fields
    )
    return user


# --- information ------------------------------------------------------------------


def test_member_reads_the_community(api_as, riviera, riviera3, twinned, awa, yao, salif):
    body = api_as(yao).get("/community").json()
    assert body == {
        "id": riviera.pk,
        "name": "Riviera 2",
        "commune": "Cocody",
        "member_count": 2,
        "is_referent": False,
        "referents": [{"id": awa.pk, "name": "Awa Koné"}],
        "twinned": [{"id": riviera3.pk, "name": "Riviera 3"}],
        "pending_count": 0,  # counted for référents only
    }
    referent = api_as(awa).get("/community").json()
    assert referent["is_referent"] is True
    assert referent["pending_count"] == 1  # Salif waits


@pytest.mark.parametrize(
    "path", ["/community", "/community/history", "/community/directory", "/community/requests"]
)
def test_who_has_no_community_gets_a_403(api_as, riviera, issa, aicha, mariam, path):
    for outsider in (issa, aicha, mariam):  # no community, a town-hall agent, staff
        response = api_as(outsider).get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"


@pytest.mark.parametrize(
    "path", ["/community", "/community/history", "/community/directory", "/community/requests"]
)
def test_a_pending_member_is_told_the_request_waits(api_as, salif, path):
    response = api_as(salif).get(path)
    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "message": "Votre demande d'adhésion attend encore la validation.",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/community"),
        ("get", "/community/history"),
        ("get", "/community/directory"),
        ("get", "/community/requests"),
        ("post", "/community/join"),
        ("post", "/community/cancel"),
        ("post", "/community/leave"),
        ("post", "/community/requests/1/accept"),
        ("post", "/community/requests/1/refuse"),
    ],
)
def test_anonymous_gets_a_401(api, riviera, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_the_community_answers_an_etag(api_as, riviera, yao):
    app = api_as(yao)
    first = app.get("/community")
    assert app.get("/community", headers={"If-None-Match": first["ETag"]}).status_code == 304
    factories.add_member(riviera, first_name="Ama", last_name="Dje", email="ama@exemple.ci")
    assert app.get("/community", headers={"If-None-Match": first["ETag"]}).status_code == 200


# --- history ----------------------------------------------------------------------


def test_history_names_people_as_the_website(api_as, riviera, riviera3, twinned, awa, yao, salif):
    as_awa = api_as(awa).get("/community/history").json()["items"]
    as_yao = api_as(yao).get("/community/history").json()["items"]
    request = next(item for item in as_awa if item["kind"] == MovementKind.JOIN_REQUESTED)
    assert request["member_name"] == "Salif Touré"  # a référent checks who asks
    assert request["actor_name"] is None  # Salif himself asked
    assert request["kind_label"] == "demande d'adhésion"
    request = next(item for item in as_yao if item["kind"] == MovementKind.JOIN_REQUESTED)
    assert request["member_name"] == "Salif T."
    assert any(
        item["other_community"] == {"id": riviera3.pk, "name": "Riviera 3"} for item in as_awa
    )
    # Newest first.
    assert [item["created_at"] for item in as_awa] == sorted(
        (item["created_at"] for item in as_awa), reverse=True
    )


def test_history_is_the_own_community_only(api_as, riviera, riviera3, koffi, yao):
    ids = {item["id"] for item in api_as(koffi).get("/community/history").json()["items"]}
    assert ids == set(Movement.objects.filter(community=riviera3).values_list("pk", flat=True))
    assert not ids & set(Movement.objects.filter(community=riviera).values_list("pk", flat=True))


def _many_movements(community, member, count):
    now = timezone.now()
    Movement.objects.bulk_create(
        Movement(
            community=community,
            kind=MovementKind.ARRIVAL,
            actor=member,
            member=member,
            # Pairs at the same instant: the cursor must break ties by id.
            created_at=now - timedelta(minutes=number // 2),
        )
        for number in range(count)
    )


def test_history_pages_through_without_repeats_and_at_a_fixed_cost(
    api_as, riviera, awa, yao, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/me")  # the token's last use is written once
    with django_assert_num_queries(4) as few:
        app.get("/community/history")
    # The token, the membership, the fetcher's check, the page with its people's ties.
    cost = len(few.captured_queries)  # read now: the next request empties the log
    _many_movements(riviera, yao, 70)
    seen = []
    body = app.get("/community/history").json()
    while True:
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        with django_assert_num_queries(cost):
            body = app.get("/community/history", cursor=body["next_cursor"]).json()
    expected = list(
        Movement.objects.filter(community=riviera)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(expected) > 60


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        (path, cursor)
        for path in ("/community/history", "/community/directory")
        for cursor in ("nimportequoi", "W10", "e30", "!!!", "WzEsICJ4Il0", "WyJ4IiwgMS41XQ")
    ]
    # A name and an id are a directory's position, not the history's.
    + [
        ("/community/history", "WyJ4IiwxXQ"),
        ("/community/history", "WyIyMDI2LTEyLTAxVDEwOjAwOjAwIiwxXQ"),
    ],
)
def test_a_bad_cursor_is_a_422(api_as, riviera, awa, path, cursor):
    response = api_as(awa).get(path, cursor=cursor)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "cursor" in response.json()["fields"]


def test_an_unknown_parameter_is_a_422(api_as, riviera, awa):
    response = api_as(awa).get("/community/directory", page="2")
    assert response.status_code == 422
    assert response.json()["fields"] == {"page": ["Paramètre inconnu."]}


# --- directory --------------------------------------------------------------------


def test_directory_cards_follow_the_privacy_rules(api_as, riviera, awa, yao, salif):
    yao.hide_mobile = True
    yao.save()
    items = {item["id"]: item for item in api_as(awa).get("/community/directory").json()["items"]}
    assert set(items) == {awa.pk, yao.pk}  # Salif still waits: not in the directory
    seen_by_awa = items[yao.pk]
    assert seen_by_awa["name"] == "Yao Kouassi"
    assert seen_by_awa["mobile"] is None  # he hides it from the directory
    assert seen_by_awa["email"] is None  # only the member (and staff) see the e-mail
    assert seen_by_awa["address"]
    assert items[awa.pk]["is_referent"] is True
    own = {item["id"]: item for item in api_as(yao).get("/community/directory").json()["items"]}
    assert own[yao.pk]["email"] == "yao.kouassi@exemple.ci"
    assert own[yao.pk]["mobile"] == yao.mobile_display  # his own card shows it


def test_a_suspended_account_is_not_in_the_directory(api_as, riviera, awa, yao):
    yao.suspended_at = timezone.now()
    yao.save()
    ids = [item["id"] for item in api_as(awa).get("/community/directory").json()["items"]]
    assert ids == [awa.pk]


def test_directory_pages_through_at_a_fixed_cost(api_as, riviera, awa, django_assert_num_queries):
    app = api_as(awa)
    app.get("/me")
    with django_assert_num_queries(4) as few:
        app.get("/community/directory")
    cost = len(few.captured_queries)
    for number in range(65):
        factories.add_member(
            riviera,
            # Same names, accents and case: the cursor must follow the database's order.
            first_name=["Éloi", "eloi", "Eloi", "Zoé", "Ama"][number % 5],
            last_name="Test",
            email=f"voisin{number}@exemple.ci",
        )
    seen = []
    cursor = None
    while True:
        with django_assert_num_queries(cost):
            body = app.get("/community/directory", **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    expected = list(
        Membership.objects.active()
        .filter(community=riviera)
        .order_by("directory_name", "pk")
        .values_list("user_id", flat=True)
    )
    assert seen == expected
    assert len(seen) == 67


# --- join, cancel, leave ----------------------------------------------------------


def test_join_the_community_around_the_home(api_as, riviera, awa):
    mariam = neighbour_of(riviera)
    response = api_as(mariam).post("/community/join")
    assert response.status_code == 201
    assert response.json() == {
        "status": "pending",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
    }
    assert Membership.objects.pending().filter(user=mariam, community=riviera).exists()


def test_join_with_the_communitys_id(api_as, riviera):
    mariam = neighbour_of(riviera)
    response = api_as(mariam).post("/community/join", {"community": riviera.pk})
    assert response.status_code == 201


def test_join_another_community_is_refused(api_as, riviera, riviera3):
    mariam = neighbour_of(riviera)
    response = api_as(mariam).post("/community/join", {"community": riviera3.pk})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "community": ["Votre domicile n'est pas dans le périmètre de cette communauté."]
    }
    assert not Membership.objects.filter(user=mariam).exists()


@pytest.mark.parametrize("body", [{"community": "1"}, {"community": 0}, {"community": True}])
def test_join_with_a_bad_id_is_a_422(api_as, riviera, body):
    mariam = neighbour_of(riviera)
    response = api_as(mariam).post("/community/join", body)
    assert response.status_code == 422
    assert not Membership.objects.filter(user=mariam).exists()


def test_join_without_community_around_or_home(api_as, riviera, issa):
    response = api_as(issa).post("/community/join")  # Yopougon: no community there
    assert response.status_code == 422
    assert response.json()["message"] == (
        "Votre domicile n'est dans le périmètre d'aucune communauté : créez la vôtre."
    )
    homeless = factories.make_user("Ali", "Sow", email="ali.sow@exemple.ci")
    response = api_as(homeless).post("/community/join")
    assert response.status_code == 422
    assert "adresse" in response.json()["message"]


def test_join_twice_is_refused(api_as, riviera, yao, salif):
    for user in (yao, salif):
        response = api_as(user).post("/community/join")
        assert response.status_code == 422
        assert response.json()["message"] == (
            "Vous faites déjà partie d'une communauté (ou votre demande est en attente)."
        )


def test_a_town_hall_agent_cannot_join(api_as, riviera, aicha):
    factories.make_home(aicha, latitude=riviera.centre_latitude, longitude=riviera.centre_longitude)
    response = api_as(aicha).post("/community/join")
    assert response.status_code == 403
    assert response.json()["message"].startswith("Un compte d'agent de mairie ne peut pas")
    assert not Membership.objects.filter(user=aicha).exists()


def test_join_is_idempotent(api_as, riviera):
    mariam = neighbour_of(riviera)
    app = api_as(mariam)
    key = {"Idempotency-Key": "join-0b5f8c1e-5d7a"}
    first = app.post("/community/join", headers=key)
    again = app.post("/community/join", headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Membership.objects.filter(user=mariam).count() == 1
    other = app.post("/community/join", {"community": riviera.pk}, headers=key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"


def test_join_requests_are_flood_limited(api_as, riviera):
    mariam = neighbour_of(riviera)
    app = api_as(mariam)
    statuses = []
    for _round in range(12):
        statuses.append(app.post("/community/join").status_code)
        app.post("/community/cancel")
    assert 429 in statuses
    assert statuses[0] == 201
    assert app.post("/community/join").json()["code"] == "too_many_requests"


def test_cancel_the_request(api_as, riviera, salif):
    app = api_as(salif)
    response = app.post("/community/cancel")
    assert response.status_code == 200
    assert response.json() == {
        "status": "cancelled",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
    }
    assert not Membership.objects.pending().filter(user=salif).exists()
    again = app.post("/community/cancel")
    assert again.status_code == 422
    assert again.json()["message"] == "Vous n'avez pas de demande en attente."


def test_a_member_has_no_request_to_cancel(api_as, riviera, yao):
    assert api_as(yao).post("/community/cancel").status_code == 422
    assert Membership.objects.active().filter(user=yao).exists()


def test_leave(api_as, riviera, awa, yao):
    app = api_as(yao)
    response = app.post("/community/leave")
    assert response.status_code == 200
    assert response.json() == {
        "status": "left",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
    }
    assert Membership.objects.get(user=yao).status == MembershipStatus.LEFT
    assert Movement.objects.filter(community=riviera, kind=MovementKind.DEPARTURE).exists()
    assert app.get("/community").json()["code"] == "not_a_member"
    again = app.post("/community/leave")
    assert again.status_code == 422
    assert again.json()["message"] == "Vous n'êtes membre d'aucune communauté."


def test_a_pending_member_cannot_leave(api_as, salif):
    assert api_as(salif).post("/community/leave").status_code == 422
    assert Membership.objects.pending().filter(user=salif).exists()


# --- join requests, for référents --------------------------------------------------


def test_referent_lists_the_requests(api_as, riviera, awa, salif):
    body = api_as(awa).get("/community/requests").json()
    assert body["validation_mode"] == "referents"
    [item] = body["items"]
    request = Membership.objects.pending().get(user=salif)
    assert item["id"] == request.pk
    assert item["name"] == "Salif Touré"
    assert item["address"]
    assert item["place"] == {
        "latitude": salif.home.latitude,
        "longitude": salif.home.longitude,
    }


def test_requests_are_for_referents(api_as, riviera, yao, salif):
    response = api_as(yao).get("/community/requests")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    request = Membership.objects.pending().get(user=salif)
    assert api_as(yao).post(f"/community/requests/{request.pk}/accept").status_code == 403
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.PENDING


def test_the_requests_list_costs_a_fixed_number_of_queries(
    api_as, riviera, awa, salif, django_assert_num_queries
):
    app = api_as(awa)
    app.get("/me")
    with django_assert_num_queries(5) as few:
        app.get("/community/requests")
    cost = len(few.captured_queries)
    for number in range(5):
        factories.add_pending(
            riviera, first_name=f"Demandeur{number}", email=f"demandeur{number}@exemple.ci"
        )
    with django_assert_num_queries(cost):
        assert len(app.get("/community/requests").json()["items"]) == 6


def test_accept_a_request(api_as, riviera, awa, salif):
    request = Membership.objects.pending().get(user=salif)
    app = api_as(awa)
    response = app.post(f"/community/requests/{request.pk}/accept")
    assert response.status_code == 200
    assert response.json() == {
        "status": "active",
        "community": {"id": riviera.pk, "name": "Riviera 2"},
    }
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.ACTIVE
    # Decided: no longer a request.
    assert app.post(f"/community/requests/{request.pk}/accept").status_code == 404


def test_another_communitys_referent_gets_a_404(api_as, riviera, riviera3, koffi, salif):
    request = Membership.objects.pending().get(user=salif)
    for action in ("accept", "refuse"):
        response = api_as(koffi).post(
            f"/community/requests/{request.pk}/{action}", {"reason": "Inconnu"}
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.PENDING


def test_refuse_a_request_with_a_reason(api_as, riviera, awa, salif):
    request = Membership.objects.pending().get(user=salif)
    app = api_as(awa)
    response = app.post(f"/community/requests/{request.pk}/refuse", {"reason": " "})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "reason": ["Indiquez le motif du refus : il sera montré à la personne."]
    }
    too_long = app.post(f"/community/requests/{request.pk}/refuse", {"reason": "x" * 501})
    assert too_long.status_code == 422
    assert "reason" in too_long.json()["fields"]
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.PENDING
    response = app.post(
        f"/community/requests/{request.pk}/refuse", {"reason": "Domicile hors du périmètre"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "refused"
    refused = Membership.objects.get(pk=request.pk)
    assert refused.status == MembershipStatus.REFUSED
    assert refused.refusal_reason == "Domicile hors du périmètre"


def test_referents_do_not_decide_when_the_team_does(api_as, riviera, awa, salif):
    from monquartier.communities.models import ValidationMode

    riviera.validation_mode = ValidationMode.STAFF
    riviera.save()
    request = Membership.objects.pending().get(user=salif)
    response = api_as(awa).post(f"/community/requests/{request.pk}/accept")
    assert response.status_code == 403
    assert Membership.objects.get(pk=request.pk).status == MembershipStatus.PENDING


def test_a_request_id_that_is_not_a_number_is_a_404(api_as, riviera, awa):
    assert api_as(awa).post("/community/requests/abc/accept").status_code == 404


def test_a_decision_repeated_with_its_key_gets_the_first_answer(api_as, riviera, awa, salif):
    request = Membership.objects.pending().get(user=salif)
    app = api_as(awa)
    key = {"Idempotency-Key": "accept-salif-0001"}
    first = app.post(f"/community/requests/{request.pk}/accept", headers=key)
    again = app.post(f"/community/requests/{request.pk}/accept", headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Movement.objects.filter(community=riviera, kind=MovementKind.ARRIVAL).count() == 1
    # Without the key, the repeat finds no request any more.
    assert app.post(f"/community/requests/{request.pk}/accept").status_code == 404


def test_leave_repeated_with_its_key(api_as, riviera, awa, yao):
    app = api_as(yao)
    key = {"Idempotency-Key": "leave-yao-000001"}
    assert app.post("/community/leave", headers=key).status_code == 200
    again = app.post("/community/leave", headers=key)
    assert again.status_code == 200
    assert again.json()["status"] == "left"
