"""A small factory module: plain functions that make valid objects with overridable
fields. Tests say only what matters to them."""

import itertools
import time
from datetime import timedelta
from io import BytesIO

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from monquartier.accounts.demo import current_totp_code
from monquartier.accounts.models import Home, User
from monquartier.places.communes import load_communes
from monquartier.places.models import Commune
from monquartier.townhalls.models import Agent, TownHall

PASSWORD = "Lagune-Ebrie-2026"
# Every staff account from make_user has this authenticator app (settings: MFA).
STAFF_TOTP_SECRET = "MQTESTSTAFFSECRETMQTESTSTAFFSECR"  # nosec B105 # tests only

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
    with_second_factor: bool = True,
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
    if user.needs_second_factor and with_second_factor:
        TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


# allauth accepts the code of the current 30-second window only (MFA_TOTP_TOLERANCE 0): a
# code read in a window's last seconds may reach the server in the next one, on a busy
# machine (a browser test fills the form, then clicks). Such a code waits for the next.
TOTP_MARGIN_SECONDS = 8


def totp_code(secret: str = STAFF_TOTP_SECRET) -> str:
    """What the authenticator app shows now, with at least TOTP_MARGIN_SECONDS left."""
    left = 30 - time.time() % 30
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.1)
    return current_totp_code(secret)


def log_in(client, user: User) -> None:
    """Log the test client in as if the member had just typed their password, and staff
    their TOTP code too: Django's session, plus what allauth records of it, which the
    pages that could hand the account over (accounts/reauthentication.py) and the staff
    pages (core/middleware.py) read. client.force_login alone is a session with nothing
    typed, like one opened by a link in an e-mail."""
    client.force_login(user)
    session = client.session
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    if user.needs_second_factor:
        records.append({"method": "mfa", "at": now, "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


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


# Riviera 2 (Cocody), where Awa and Yao live in the personas.
RIVIERA = (5.3590, -3.9610)


def square(latitude: float, longitude: float, side_m: float = 600) -> dict:
    """A GeoJSON square of about side_m metres centred on the point."""
    import math

    half_lat = side_m / 2 / 110_574
    half_lng = side_m / 2 / (111_320 * math.cos(math.radians(latitude)))
    ring = [
        [longitude - half_lng, latitude - half_lat],
        [longitude + half_lng, latitude - half_lat],
        [longitude + half_lng, latitude + half_lat],
        [longitude - half_lng, latitude + half_lat],
        [longitude - half_lng, latitude - half_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make_community(
    referent: User,
    *,
    name: str = "Riviera 2",
    centre=RIVIERA,
    side_m: float = 600,
    commune_slug="cocody",
    **fields,
):
    """A community around `centre`, created by `referent` (who needs a home inside)."""
    from monquartier.communities import services

    if not Home.objects.filter(user=referent).exists():
        make_home(referent, commune_slug=commune_slug, latitude=centre[0], longitude=centre[1])
    community = services.create_community(
        referent, name=name, commune=commune(commune_slug), area=square(*centre, side_m=side_m)
    )
    if fields:
        for key, value in fields.items():
            setattr(community, key, value)
        community.save()
    return community


def age_community(community, *, days: int):
    """Make the community as old as if it had been created `days` ago."""
    community.created_at = timezone.now() - timedelta(days=days)
    community.save(update_fields=["created_at"])
    return community


def register_neighbour(
    referent: User, community, *, aged: bool = True, consented: bool = False, **fields
) -> User:
    """A neighbour without internet, registered by the référent (aged: the community is
    made old enough first); consented: as if they had answered OUI by SMS."""
    from monquartier.communities import services

    if aged and (timezone.now() - community.created_at).days < 7:
        age_community(community, days=30)
    values = {
        "first_name": "Amenan",
        "last_name": "Yao",
        "mobile": "+2250707998877",
        "quartier": "Riviera 2",
        "latitude": 5.3592,
        "longitude": -3.9612,
        **fields,
    }
    neighbour = services.register_neighbour(referent, community, **values)
    if consented:
        User.objects.filter(pk=neighbour.pk).update(mobile_verified=True)
        neighbour.refresh_from_db()
    return neighbour


def add_member(community, user: User | None = None, *, referent: bool = False, **user_fields):
    """An active member of the community, living near its centre."""
    from monquartier.communities.models import Membership, MembershipStatus

    if user is None:
        user = make_user(**user_fields)
    if not Home.objects.filter(user=user).exists():
        make_home(
            user,
            commune_slug=community.commune.slug,
            latitude=community.centre_latitude,
            longitude=community.centre_longitude,
        )
    from django.utils import timezone

    Membership.objects.create(
        user=user,
        community=community,
        status=MembershipStatus.ACTIVE,
        is_referent=referent,
        joined_at=timezone.now(),
    )
    return user


def add_pending(community, user: User | None = None, **user_fields):
    from monquartier.communities import services

    if user is None:
        user = make_user(**user_fields)
    if not Home.objects.filter(user=user).exists():
        make_home(
            user,
            commune_slug=community.commune.slug,
            latitude=community.centre_latitude,
            longitude=community.centre_longitude,
        )
    return services.request_to_join(user, community)


def twin(first, second):
    """An active twinning between two communities."""
    from monquartier.communities import services
    from monquartier.communities.models import Membership

    asker = Membership.objects.referents().filter(community=first).first().user
    accepter = Membership.objects.referents().filter(community=second).first().user
    return services.accept_twinning(accepter, services.request_twinning(asker, first, second))


def pdf_bytes(pages: int = 1, extra: bytes = b"") -> bytes:
    """A small, valid PDF made with pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue() + extra


def make_post(
    author: User,
    *,
    title: str = "Vends vélo d'enfant",
    text: str = "Bon état, 15 000 F.",
    category: str = "small_ad",
    files=(),
):
    from monquartier.gazette import services

    return services.create_post(author, title=title, text=text, category=category, files=files)


def raw_pdf(
    objects: dict[int, bytes], *, in_object_stream: dict[int, bytes] | None = None
) -> bytes:
    """A hand-built PDF 1.5: `objects` written as they are (object 1 is the catalogue),
    `in_object_stream` inside one compressed object stream, and a cross-reference stream
    that lists them all, as a hostile author would write it."""
    import zlib

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    rows: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}
    for number, body in objects.items():
        rows[number] = (1, len(out), 0)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    numbers = list(objects) + list(in_object_stream or {})
    if in_object_stream:
        stream_number = max(numbers) + 1
        header, bodies = [], b""
        for index, (number, body) in enumerate(in_object_stream.items()):
            header.append(b"%d %d" % (number, len(bodies)))
            bodies += body + b"\n"
            rows[number] = (2, stream_number, index)
        first = b" ".join(header) + b"\n"
        packed = zlib.compress(first + bodies)
        rows[stream_number] = (1, len(out), 0)
        out += (
            b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (
                stream_number,
                len(in_object_stream),
                len(first),
                len(packed),
            )
        )
        out += packed + b"\nendstream\nendobj\n"
        numbers.append(stream_number)
    xref_number = max(numbers) + 1
    rows[xref_number] = (1, len(out), 0)
    table = b"".join(
        bytes([kind]) + first.to_bytes(4, "big") + second.to_bytes(2, "big")
        for kind, first, second in (
            rows.get(number, (0, 0, 0)) for number in range(xref_number + 1)
        )
    )
    start = len(out)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        xref_number,
        xref_number + 1,
        len(table),
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


# The three objects of a one-page PDF; a hostile one adds to the catalogue or the page.
PDF_CATALOGUE = b"<< /Type /Catalog /Pages 2 0 R %s >>"
PDF_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PDF_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s >>"


def make_town_hall(commune_slug: str = "cocody", **fields):
    """A partner town hall, partner since a year ago unless told otherwise."""
    the_commune = commune(commune_slug)
    defaults = {
        "name": f"Mairie de {the_commune.name}",
        "starts_on": timezone.localdate() - timedelta(days=365),
    }
    return TownHall.objects.create(commune=the_commune, **(defaults | fields))


def make_agent(town_hall, first_name: str = "Aïcha", last_name: str = "Diomandé", **fields):
    """An agent of the town hall, with a second factor (like staff)."""
    can_manage_agents = fields.pop("can_manage_agents", False)
    receives_alert_sms = fields.pop("receives_alert_sms", False)
    user = make_user(first_name, last_name, is_town_hall_agent=True, **fields)
    Agent.objects.create(
        user=user,
        town_hall=town_hall,
        can_manage_agents=can_manage_agents,
        receives_alert_sms=receives_alert_sms,
    )
    return user
