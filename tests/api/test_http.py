"""The transport rules: error shape, idempotency keys, ETags, compression, sizes."""

import gzip
import json
from datetime import timedelta

import pytest

from monquartier.alerts.models import Alert
from monquartier.api.models import IdempotentRequest
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

ALERT = {"category": "theft", "text": "On a volé une moto devant la pharmacie"}


def test_me_shows_the_profile_and_settings(api_as, riviera, awa):
    body = api_as(awa).get("/me").json()
    assert body["first_name"] == "Awa"
    assert body["community"] == {"id": riviera.pk, "name": "Riviera 2", "is_referent": True}
    assert body["language"] == "fr"
    assert body["notifications"]["alert_sms"] is True
    assert body["notifications"]["modes"]["alert"] == "instant"


def test_me_without_community(api_as, issa):
    assert api_as(issa).get("/me").json()["community"] is None


def test_patch_me_changes_pseudonym_and_language(api_as, awa):
    app = api_as(awa)
    response = app.patch("/me", {"pseudonym": "  Awa   de Riviera ", "language": "en"})
    assert response.status_code == 200
    awa.refresh_from_db()
    assert (awa.pseudonym, awa.language) == ("Awa de Riviera", "en")
    assert app.patch("/me", {"pseudonym": ""}).json()["pseudonym"] == ""
    awa.refresh_from_db()
    assert awa.language == "en"  # left out: unchanged


def test_patch_me_refuses_a_bad_pseudonym_in_the_members_words(api_as, awa):
    response = api_as(awa).patch("/me", {"pseudonym": "awa@exemple.ci"})
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "pseudonym": ["Un pseudonyme contient au moins une lettre et pas de « @ »."]
    }
    awa.refresh_from_db()
    assert awa.pseudonym == ""


def test_patch_me_never_changes_email_password_or_phones(api_as, awa):
    before = (awa.email, awa.password, awa.mobile)
    response = api_as(awa).patch(
        "/me", {"email": "pirate@exemple.ci", "password": "x", "mobile": "+2250700000000"}
    )
    assert response.status_code == 200
    awa.refresh_from_db()
    assert (awa.email, awa.password, awa.mobile) == before


def test_schema_errors_have_the_one_shape(api_as, riviera, yao):
    app = api_as(yao)
    response = app.post("/alerts", {"text": "x" * 2000})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["fields"]["category"] == ["Ce champ est obligatoire."]
    assert body["fields"]["text"] == ["Trop long : 1000 caractères au plus."]


def test_a_body_that_is_not_json_is_a_422(client, riviera, yao):
    response = client.post(
        "/api/v1/alerts",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(yao)}"},
    )
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "fields"}


def test_not_found_has_the_one_shape(api_as, riviera, awa):
    response = api_as(awa).get("/alerts/999999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Introuvable, ou vous n'y avez pas accès.",
        "fields": {},
    }


def test_a_too_large_body_is_a_413(api_as, riviera, yao):
    response = api_as(yao).post("/alerts", {**ALERT, "text": "x" * 70_000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Alert.objects.exists()


def test_repeat_with_the_same_key_returns_the_first_alert(api_as, riviera, yao):
    app = api_as(yao)
    key = {"Idempotency-Key": "0b5f8c1e-5d7a-4f51-9d3f-5b2a1c4d7e90"}
    first = app.post("/alerts", ALERT, headers=key)
    again = app.post("/alerts", ALERT, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Alert.objects.count() == 1


def test_same_key_other_body_is_a_409(api_as, riviera, yao):
    app = api_as(yao)
    key = {"Idempotency-Key": "key-test-0001"}
    assert app.post("/alerts", ALERT, headers=key).status_code == 201
    response = app.post("/alerts", {**ALERT, "text": "Une autre alerte"}, headers=key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Alert.objects.count() == 1


def test_keys_are_per_account(api_as, riviera, awa, yao):
    key = {"Idempotency-Key": "key-shared-0001"}
    assert api_as(yao).post("/alerts", ALERT, headers=key).status_code == 201
    response = api_as(awa).post("/alerts", ALERT, headers=key)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Alert.objects.count() == 2


def test_a_refusal_keeps_no_key(api_as, riviera, yao):
    app = api_as(yao)
    key = {"Idempotency-Key": "key-refused-01"}
    assert app.post("/alerts", {**ALERT, "text": "  Ah  "}, headers=key).status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert app.post("/alerts", ALERT, headers=key).status_code == 201  # corrected, same key


def test_a_malformed_key_is_refused(api_as, riviera, yao):
    response = api_as(yao).post("/alerts", ALERT, headers={"Idempotency-Key": "short"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Alert.objects.exists()


def test_a_key_without_a_token_is_still_a_401(api, riviera):
    response = api.post("/alerts", ALERT, headers={"Idempotency-Key": "key-anonymous"})
    assert response.status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_old_keys_are_pruned(api_as, riviera, yao, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from monquartier.api.jobs import prune_idempotency_keys

    api_as(yao).post("/alerts", ALERT, headers={"Idempotency-Key": "key-to-prune"})
    time_machine.move_to(timezone.now() + timedelta(hours=25))
    prune_idempotency_keys("today")
    assert not IdempotentRequest.objects.exists()


def test_lists_and_details_answer_304_to_their_etag(api_as, riviera, yao, awa):
    from monquartier.alerts.services import send_alert

    alert = send_alert(yao, category="theft", text="Un vol au marché")
    app = api_as(awa)
    for path in ["/alerts", f"/alerts/{alert.pk}", "/me"]:
        first = app.get(path)
        etag = first["ETag"]
        assert etag
        again = app.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
    listed = app.get("/alerts")["ETag"]
    send_alert(yao, category="theft", text="Un autre vol au marché")
    assert app.get("/alerts", headers={"If-None-Match": listed}).status_code == 200


def test_answers_are_private_and_vary_by_token(api_as, awa):
    response = api_as(awa).get("/me")
    assert "Authorization" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_answers_are_gzipped(client, riviera, yao, awa):
    from monquartier.alerts.services import send_alert

    for number in range(5):
        send_alert(yao, category="theft", text=f"Un vol au marché, numéro {number}")
    app = ApiClient(client, token_for(awa))
    response = app.get("/alerts", headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.content))
    assert len(body["items"]) == 5
    # An ETag of the compressed answer still revalidates.
    again = app.get(
        "/alerts", headers={"Accept-Encoding": "gzip", "If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304


def test_openapi_and_docs_need_no_token(api):
    assert api.get("/openapi.json").status_code == 200
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_a_flood_limits_429_says_when_to_try_again(api_as, riviera, yao, settings):
    import time_machine
    from django.utils import timezone

    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "alert": (2, 600)}
    app = api_as(yao)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert app.post("/alerts", ALERT).status_code == 201
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        assert app.post("/alerts", {**ALERT, "text": ALERT["text"] + " encore"}).status_code == 201
        response = app.post("/alerts", {**ALERT, "text": ALERT["text"] + " toujours"})
    assert response.status_code == 429
    # The first alert leaves the 10 minutes' window 500 seconds later.
    assert response["Retry-After"] == "500"


def test_every_429_in_the_schema_documents_retry_after():
    from monquartier.api.schema import schema_text

    schema = json.loads(schema_text("v1"))
    answers = [
        operation["responses"]["429"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        if "429" in operation["responses"]
    ]
    assert answers
    assert all(
        answer["headers"]["Retry-After"]["schema"]["type"] == "integer" for answer in answers
    )


def test_a_429_without_its_own_wait_gets_one(client):
    from monquartier.api.http import api_view

    @api_view
    def busy(request):
        from monquartier.api.errors import error_response

        return error_response(429, "too_many_requests", "Patience")

    from django.test import RequestFactory

    assert busy(RequestFactory().get("/api/v1/x"))["Retry-After"] == "60"


def test_accents_are_sent_as_themselves(api_as, riviera, yao, awa):
    body = api_as(awa).get("/me").content.decode()
    assert "Koné" in body and "\\u00e9" not in body
    error = api_as(yao).post("/alerts", {"text": "x"}).content.decode()
    assert "Décrivez" in error or "obligatoire" in error
    assert "\\u00" not in error


def test_photos_are_not_gzipped_again(client, riviera, awa, yao):
    from tests import factories

    post = factories.make_post(yao, files=[factories.uploaded_image("velo.jpg")])
    attachment = post.attachments.get()
    app = ApiClient(client, token_for(awa))
    response = app.get(
        f"/gazette/files/{attachment.pk}/original", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content[:3] == b"\xff\xd8\xff"  # a JPEG, as stored
