"""A small factory module: plain functions that make valid objects with overridable
fields. Tests say only what matters to them."""

import itertools
from io import BytesIO

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from monquartier.accounts.models import Home, User
from monquartier.communities.communes import load_communes
from monquartier.communities.models import Commune

PASSWORD = "Lagune-Ebrie-2026"

_sequence = itertools.count(1)


def next_mobile() -> str:
    return f"+22507{next(_sequence):08d}"


def make_user(
    first_name: str = "Awa",
    last_name: str = "Koné",
    *,
    email: str | None = None,
    password: str = PASSWORD,
    verified_email: bool = True,
    mobile: str | None = None,
    mobile_verified: bool = True,
    **fields,
) -> User:
    number = next(_sequence)
    email = email if email is not None else f"{first_name.lower()}.{number}@exemple.ci"
    user = User.objects.create_user(
        email=email or None,
        password=password,
        first_name=first_name,
        last_name=last_name,
        mobile=mobile if mobile is not None else next_mobile(),
        mobile_verified=mobile_verified,
        **fields,
    )
    if email:
        EmailAddress.objects.create(
            user=user, email=user.email, primary=True, verified=verified_email
        )
    return user


def commune(slug: str = "cocody") -> Commune:
    found = Commune.objects.filter(slug=slug).first()
    if found is None:
        # A transactional test flushed the reference data: load it again.
        load_communes(Commune)
        found = Commune.objects.get(slug=slug)
    return found


def make_home(
    user: User, *, commune_slug: str = "cocody", latitude=5.3590, longitude=-3.9610, **fields
) -> Home:
    fields.setdefault("quartier", "Riviera 2")
    fields.setdefault("address_details", "Lot 12")
    fields.setdefault("landmark", "près de la pharmacie")
    return Home.objects.create(
        user=user, commune=commune(commune_slug), latitude=latitude, longitude=longitude, **fields
    )


def image_bytes(fmt: str = "JPEG", size=(640, 480), color=(200, 120, 40), **save_options) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def uploaded_image(name: str = "photo.jpg", fmt: str = "JPEG", **options) -> SimpleUploadedFile:
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(
        fmt, "application/octet-stream"
    )
    return SimpleUploadedFile(name, image_bytes(fmt, **options), content_type=content_type)
