"""The profile photo, closing the account and the member's data through the API
(api/v1/me.py): the website's PhotoForm, CloseAccountForm and data download, with the
same checks."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from monquartier.accounts.models import DataExport, DeviceToken, Profile, User
from monquartier.communities.models import Membership
from tests import factories
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db


def upload(client, user, files, token=None):
    """multipart/form-data, as an app sends a photo."""
    return client.post(
        "/api/v1/me/photo",
        files,
        headers={"Authorization": f"Bearer {token or token_for(user)}"},
    )


# --- the photo ------------------------------------------------------------------------


def test_anonymous_gets_a_401(api, client):
    assert client.post("/api/v1/me/photo", {"photo": factories.uploaded_image()}).status_code == 401
    assert api.delete("/me/photo").status_code == 401
    assert api.get("/me/closure").status_code == 401
    assert api.post("/me/close", {"password": "x", "confirm": True}).status_code == 401
    assert api.post("/me/data", {"password": "x"}).status_code == 401


def test_a_member_gives_a_photo_re_encoded_then_removes_it(client, api_as, yao):
    response = upload(client, yao, {"photo": factories.uploaded_image("moi.png", fmt="PNG")})
    assert response.status_code == 200, response.content
    profile = Profile.objects.get(user=yao)
    assert profile.photo.name.endswith(".jpg") and profile.photo_thumbnail
    assert response.json()["photo_url"] == f"/membres/{yao.pk}/photo/thumbnail/"
    response = api_as(yao).delete("/me/photo")
    assert response.status_code == 200
    assert response.json()["photo_url"] is None
    profile.refresh_from_db()
    assert not profile.photo and not profile.photo_thumbnail
    assert api_as(yao).delete("/me/photo").status_code == 200  # none left: nothing changes


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"photo": SimpleUploadedFile("photo.jpg", b"pas une image", content_type="image/jpeg")},
        {"photo": SimpleUploadedFile("photo.jpg", factories.image_bytes("BMP"))},
    ],
)
def test_what_is_not_a_photo_is_a_422_and_changes_nothing(client, yao, files):
    response = upload(client, yao, files)
    assert response.status_code == 422, response.content
    assert "photo" in response.json()["fields"]
    assert not Profile.objects.get(user=yao).photo


def test_a_photo_too_large_is_a_413(client, yao, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 2048
    big = factories.uploaded_image(size=(800, 800), quality=100)
    response = upload(client, yao, {"photo": big})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "la limite est de" in response.json()["fields"]["photo"][0]
    assert not Profile.objects.get(user=yao).photo


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(client, yao, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1024
    huge = SimpleUploadedFile("photo.jpg", b"x" * 200 * 1024, content_type="image/jpeg")
    response = upload(client, yao, {"photo": huge})
    assert response.status_code == 413
    assert not Profile.objects.get(user=yao).photo


# --- closing the account ----------------------------------------------------------------


def test_the_last_member_is_warned_before_closing(api_as, awa, yao, riviera):
    assert api_as(yao).get("/me/closure").json() == {"warnings": []}
    Membership.objects.filter(user=yao).delete()
    (warning,) = api_as(awa).get("/me/closure").json()["warnings"]
    assert "dernier membre de « Riviera 2 »" in warning


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"password": "mauvais", "confirm": True}, 403, "password"),
        ({"password": factories.PASSWORD}, 422, "confirm"),
        ({"password": factories.PASSWORD, "confirm": "oui"}, 422, "confirm"),
        ({"confirm": True}, 422, "password"),
    ],
)
def test_closing_needs_the_password_and_the_confirmation(
    api_as, yao, riviera, payload, status, field
):
    response = api_as(yao).post("/me/close", payload)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    yao.refresh_from_db()
    assert yao.is_active and not yao.is_closed and yao.first_name == "Yao"


def test_closing_erases_the_member_and_signs_every_device_out(client, api_as, yao, riviera):
    other_device = token_for(yao, "Tablette")
    app = api_as(yao)
    response = app.post("/me/close", {"password": factories.PASSWORD, "confirm": True})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "message": "Votre compte est fermé et vos données personnelles sont effacées."
    }
    yao.refresh_from_db()
    assert yao.is_closed and not yao.is_active and yao.email is None and yao.first_name == ""
    assert not DeviceToken.objects.filter(user=yao).exists()
    assert not Membership.objects.active().filter(user=yao).exists()
    assert app.get("/me").status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {other_device}"}).status_code
        == 401
    )


# --- the member's data ------------------------------------------------------------------


def test_the_data_come_as_json_with_the_password(api_as, yao, riviera):
    response = api_as(yao).post("/me/data", {"password": factories.PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(b"".join(response.streaming_content))
    assert data["exported_at"]
    assert data["account"]["email"] == "yao.kouassi@exemple.ci"
    assert data["account"]["pseudonym"] == "Yao de la Riviera"
    assert DataExport.objects.filter(user=yao).count() == 1


def test_the_data_need_the_password(api_as, yao):
    response = api_as(yao).post("/me/data", {"password": "mauvais"})
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_password"
    assert not DataExport.objects.exists()


def test_the_downloads_are_limited_as_on_the_website(api_as, yao, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "data_export": (1, 24 * 3600)}
    app = api_as(yao)
    assert app.post("/me/data", {"password": factories.PASSWORD}).status_code == 200
    response = app.post("/me/data", {"password": factories.PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert DataExport.objects.filter(user=yao).count() == 1


def test_the_data_hold_no_other_members_secret(api_as, awa, yao, riviera):
    factories.make_post(awa, title="Réunion", text="Chez Awa")
    body = b"".join(
        api_as(yao).post("/me/data", {"password": factories.PASSWORD}).streaming_content
    )
    assert b"awa.kone@exemple.ci" not in body
    assert User.objects.filter(pk=awa.pk, is_active=True).exists()


def test_two_photos_at_once_are_refused(client, yao):
    files = {"photo": [factories.uploaded_image("a.jpg"), factories.uploaded_image("b.jpg")]}
    response = upload(client, yao, files)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["photo"]
    assert not Profile.objects.get(user=yao).photo
