"""Demo people: Ivorian names, mobiles and homes in four communes of Abidjan.

Deterministic (a seeded random generator) and idempotent: people are found again by
e-mail, so running the loader twice changes nothing.
"""

import datetime
import random
import time
import unicodedata

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import transaction

from monquartier.accounts.models import Home, HousingType, User
from monquartier.places.models import Commune

DEMO_PASSWORD = "voisins-demo-2026"  # noqa: S105 - printed by make demo on purpose
DEMO_DOMAIN = "demo.monquartier.ci"
# Staff log in with a second factor: the demo's staff account has this authenticator app
# secret, printed by make demo (manage.py demo_totp_code shows the current code).
DEMO_STAFF_TOTP_SECRET = "MQDEMOSTAFFTOTPSECRETMQDEMOSTAFF"  # noqa: S105 # nosec B105 # printed

FIRST_NAMES = [
    "Awa",
    "Yao",
    "Aminata",
    "Kouadio",
    "Mariam",
    "Jean-Marc",
    "Adjoua",
    "Koffi",
    "Fatou",
    "Serge",
    "Aya",
    "Ibrahim",
    "Affoué",
    "Drissa",
    "Akissi",
    "Moussa",
    "Amenan",
    "Brice",
    "Salimata",
    "Hervé",
    "Nadège",
    "Seydou",
    "Christelle",
    "Issa",
    "Bintou",
    "Didier",
    "Rokia",
    "Arsène",
    "Massandjé",
    "Franck",
    "Ange",
    "Habiba",
    "Wilfried",
    "Tenin",
    "Yannick",
    "Clarisse",
]
LAST_NAMES = [
    "Koné",
    "Kouassi",
    "Traoré",
    "N'Guessan",
    "Bamba",
    "Aka",
    "Konan",
    "Yao",
    "Ouattara",
    "Coulibaly",
    "Diabaté",
    "Kouamé",
    "Touré",
    "Soro",
    "Gbagbo",
    "Diomandé",
    "Koffi",
    "Bakayoko",
    "Assi",
    "Brou",
    "Fofana",
    "Tanoh",
    "Doumbia",
    "Zadi",
    "Kacou",
    "Sangaré",
    "Ehui",
    "Cissé",
    "Amani",
    "Gnahoré",
]

# (commune slug, quartier, centre latitude, centre longitude, landmarks)
QUARTIERS = [
    (
        "cocody",
        "Riviera 2",
        5.3590,
        -3.9610,
        ["près du carrefour de la Riviera 2", "derrière l'église Sainte-Famille"],
    ),
    (
        "cocody",
        "Angré 8e tranche",
        5.3975,
        -3.9880,
        ["à côté de la pharmacie du Bonheur", "face au terrain de foot"],
    ),
    (
        "cocody",
        "II Plateaux Vallon",
        5.3720,
        -3.9990,
        ["derrière la station Total", "en face de l'école maternelle"],
    ),
    (
        "yopougon",
        "Niangon Nord",
        5.3265,
        -4.1060,
        ["près du marché de Niangon", "à côté de la mosquée"],
    ),
    (
        "yopougon",
        "Sideci",
        5.3335,
        -4.0905,
        ["après le château d'eau", "derrière le maquis Le Baobab"],
    ),
    (
        "marcory",
        "Zone 4",
        5.2885,
        -3.9905,
        ["rue du Dr Blanchard, près du supermarché", "derrière la boulangerie"],
    ),
    ("marcory", "Biétry", 5.2790, -3.9690, ["près de la plage de Biétry", "à côté du lycée"]),
    (
        "plateau",
        "Plateau Centre",
        5.3230,
        -4.0180,
        ["près de la cathédrale Saint-Paul", "derrière la Poste"],
    ),
]

STREETS = ["Lot", "Îlot", "Villa", "Immeuble", "Cité"]

NAMED = [
    # (role for the banner, first name, last name, quartier index, staff)
    ("Référente, Riviera 2", "Awa", "Koné", 0, False),
    ("Membre, Riviera 2", "Yao", "Kouassi", 0, False),
    ("Référente, Yopougon Niangon", "Aminata", "Traoré", 3, False),
    ("Référent, Marcory Zone 4", "Kouadio", "N'Guessan", 5, False),
    ("Équipe MonQuartier (staff)", "Mariam", "Bamba", 7, True),
]


def _ascii(text: str) -> str:
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if char.isalnum() and ord(char) < 128
    ).lower()


def email_for(first_name: str, last_name: str) -> str:
    return f"{_ascii(first_name)}.{_ascii(last_name)}@{DEMO_DOMAIN}"


def named_logins() -> list[tuple[str, str, str]]:
    return [(role, email_for(first, last), DEMO_PASSWORD) for role, first, last, _q, _s in NAMED]


def current_totp_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def demo_staff_totp_code() -> str:
    return current_totp_code(DEMO_STAFF_TOTP_SECRET)


def _give_demo_second_factor(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)


def _mobile(rng: random.Random) -> str:
    return f"+225{rng.choice(['01', '05', '07'])}{rng.randint(0, 99_999_999):08d}"


def _person(first: str, last: str, quartier_index: int, staff: bool, communes):
    slug, quartier, latitude, longitude, landmarks = QUARTIERS[quartier_index]
    email = email_for(first, last)
    user = User.objects.filter(email=email).first()
    if user:
        if staff:
            _give_demo_second_factor(user)  # a demo database from before staff needed one
        return user, False
    # One generator per person: the same person gets the same details whatever the order.
    rng = random.Random(email)  # noqa: S311 # nosec B311 # demo data, not secrets
    user = User.objects.create_user(
        email=email,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        mobile=_mobile(rng),
        mobile_verified=True,
        is_staff=staff,
        is_superuser=staff,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    if staff:
        _give_demo_second_factor(user)
    Home.objects.create(
        user=user,
        commune=communes[slug],
        quartier=quartier,
        address_details=f"{rng.choice(STREETS)} {rng.randint(1, 480)}",
        landmark=rng.choice(landmarks),
        # Within about 300 m of the quartier's centre.
        latitude=round(latitude + rng.uniform(-0.0027, 0.0027), 6),
        longitude=round(longitude + rng.uniform(-0.0027, 0.0027), 6),
    )
    profile = user.profile
    if rng.random() < 0.6:
        profile.birth_date = datetime.date(
            rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)
        )
    profile.housing_type = rng.choice(HousingType.values)
    profile.save()
    if rng.random() < 0.3:
        user.pseudonym = (
            f"{first} du quartier"
            if rng.random() < 0.5
            else f"{_ascii(first).title()}{rng.randint(10, 99)}"
        )
        user.save(update_fields=["pseudonym"])
    return user, True


@transaction.atomic
def create_demo_people(count: int = 36) -> tuple[int, int]:
    """Return (created, total)."""
    communes = {
        commune.slug: commune
        for commune in Commune.objects.filter(slug__in={slug for slug, *_rest in QUARTIERS})
    }
    created = 0
    for _role, first, last, quartier_index, staff in NAMED:
        _user, new = _person(first, last, quartier_index, staff, communes)
        created += new
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    random.Random(2250).shuffle(pairs)  # noqa: S311 # nosec B311 # demo names
    named = {(first, last) for _r, first, last, _q, _s in NAMED}
    others = [pair for pair in pairs if pair not in named][: count - len(NAMED)]
    for index, (first, last) in enumerate(others):
        _user, new = _person(first, last, index % len(QUARTIERS), False, communes)
        created += new
    return created, len(NAMED) + len(others)
