from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from monquartier.accounts.models import Profile
from tests import factories

UPLOAD = reverse("accounts:upload_photo")
PROFILE = reverse("accounts:profile")


def jpeg_with_gps_and_rotation() -> bytes:
    """A 400×200 photo as a phone writes it: GPS position and 'rotate 90°' in EXIF."""
    image = Image.new("RGB", (400, 200), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "TelephoneDeTest"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (5.0, 21.0, 32.4)
    gps[3] = "W"
    gps[4] = (3.0, 57.0, 39.6)
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def stored_photo(user) -> Image.Image:
    profile = Profile.objects.get(user=user)
    with profile.photo.open("rb") as handle:
        image = Image.open(BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_is_reencoded_without_exif_and_turned_upright(awa_client, awa):
    upload = SimpleUploadedFile(
        "IMG_2040.jpg", jpeg_with_gps_and_rotation(), content_type="image/jpeg"
    )
    response = awa_client.post(UPLOAD, {"photo": upload})
    assert response.status_code == 302
    image = stored_photo(awa)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"TelephoneDeTest" not in Profile.objects.get(user=awa).photo.open("rb").read()
    # The phone said "rotate 90°": the stored pixels are already upright.
    assert image.size == (200, 400)
    profile = Profile.objects.get(user=awa)
    with profile.photo_thumbnail.open("rb") as handle:
        thumbnail = Image.open(handle)
        assert thumbnail.size == (160, 160)
        assert not thumbnail.getexif()


def test_a_big_photo_is_scaled_down_to_the_cap(awa_client, awa):
    upload = factories.uploaded_image("grande.png", fmt="PNG", size=(3000, 2000))
    awa_client.post(UPLOAD, {"photo": upload})
    assert max(stored_photo(awa).size) == 1280


def test_a_new_photo_replaces_and_deletes_the_old_files(
    awa_client, awa, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        awa_client.post(UPLOAD, {"photo": factories.uploaded_image()})
    first = Profile.objects.get(user=awa).photo
    storage, first_name = first.storage, first.name
    assert storage.exists(first_name)
    with django_capture_on_commit_callbacks(execute=True):
        awa_client.post(UPLOAD, {"photo": factories.uploaded_image(color=(0, 0, 0))})
    assert not storage.exists(first_name)
    assert Profile.objects.get(user=awa).photo.name != first_name


def test_a_document_renamed_jpg_is_refused_and_nothing_changes(awa_client, awa):
    fake = SimpleUploadedFile(
        "photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", content_type="image/jpeg"
    )
    response = awa_client.post(UPLOAD, {"photo": fake})
    assert response.status_code == 400
    assert "pas une image lisible" in response.content.decode()
    assert not Profile.objects.get(user=awa).photo


def test_a_truncated_image_is_refused(awa_client, awa):
    data = factories.image_bytes("JPEG", size=(800, 600))
    fake = SimpleUploadedFile("coupee.jpg", data[: len(data) // 3], content_type="image/jpeg")
    response = awa_client.post(UPLOAD, {"photo": fake})
    assert response.status_code == 400
    assert not Profile.objects.get(user=awa).photo


def test_a_file_over_the_size_limit_is_refused_with_the_limit(awa_client, awa, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 50_000
    upload = SimpleUploadedFile(
        "lourde.jpg", b"\xff\xd8" + b"0" * 60_000, content_type="image/jpeg"
    )
    response = awa_client.post(UPLOAD, {"photo": upload})
    assert response.status_code == 400
    assert "la limite est de" in response.content.decode()
    assert not Profile.objects.get(user=awa).photo


def test_an_image_with_too_many_pixels_is_refused_before_decoding(awa_client, awa):
    # 8,000 × 6,000 px of one colour compresses to a small PNG: the size check alone
    # would let it through; the pixel count stops it.
    upload = factories.uploaded_image("immense.png", fmt="PNG", size=(8000, 6000))
    assert upload.size < 1_000_000
    response = awa_client.post(UPLOAD, {"photo": upload})
    assert response.status_code == 400
    assert "trop grand" in response.content.decode()
    assert not Profile.objects.get(user=awa).photo


def test_an_empty_upload_gets_a_message(awa_client, awa):
    response = awa_client.post(UPLOAD, {})
    assert response.status_code == 400
    assert 'id="id_photo_error"' in response.content.decode()


def test_deleting_the_photo(awa_client, awa):
    awa_client.post(UPLOAD, {"photo": factories.uploaded_image()})
    awa_client.post(reverse("accounts:delete_photo"))
    assert not Profile.objects.get(user=awa).photo


def test_the_photo_is_served_to_its_owner_and_staff_only(client, awa, yao, mariam, issa):
    factories.log_in(client, awa)
    client.post(UPLOAD, {"photo": factories.uploaded_image()})
    url = reverse("communities:photo", args=[awa.pk, "thumbnail"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    for viewer in (mariam,):
        factories.log_in(client, viewer)
        assert client.get(url).status_code == 200
    for viewer in (issa,):
        factories.log_in(client, viewer)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_the_photo_url_is_not_the_stored_file_name(awa_client, awa):
    awa_client.post(UPLOAD, {"photo": factories.uploaded_image()})
    name = Profile.objects.get(user=awa).photo.name
    assert name.startswith("photos/") and len(name) > len("photos/") + 30
    page = awa_client.get(PROFILE).content.decode()
    assert name not in page


def test_an_unknown_photo_size_or_member_is_not_found(awa_client, awa):
    assert awa_client.get(reverse("communities:photo", args=[awa.pk, "huge"])).status_code == 404
    assert awa_client.get(reverse("communities:photo", args=[999999, "full"])).status_code == 404
    assert awa_client.get(reverse("communities:photo", args=[awa.pk, "full"])).status_code == 404


def test_the_profile_form_saves_description_birth_date_and_housing(awa_client, awa):
    response = awa_client.post(
        PROFILE,
        {
            "description": "Couturière, je connais tout le monde.",
            "interests": "jardinage, football",
            "birth_date": "1988-03-14",
            "housing_type": "courtyard",
            "has_alarm": "on",
            "housing_notes": "Portail bleu",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=awa)
    assert profile.birth_date.isoformat() == "1988-03-14"
    assert profile.housing_type == "courtyard"
    assert profile.has_alarm is True


@pytest.mark.parametrize("birth_date", ["2999-01-01", "1800-01-01", "14/03/88x"])
def test_an_impossible_birth_date_is_refused(awa_client, awa, birth_date):
    response = awa_client.post(PROFILE, {"birth_date": birth_date})
    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"]
    assert Profile.objects.get(user=awa).birth_date is None
