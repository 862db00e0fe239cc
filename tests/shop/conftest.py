"""The shop's fixtures: a small catalogue, a delivery zone, the fake aggregator."""

import pytest

from monquartier.places.models import Commune
from monquartier.shop import services
from monquartier.shop.models import DeliveryZone, Personalisation, Product, ProductKind
from tests.fakes.payment_provider import FakePaymentProvider


@pytest.fixture
def provider(settings):
    with FakePaymentProvider(
        api_key="test-api-key", site_id="424242", secret_key="test-secret-key"
    ) as fake:
        settings.SHOP_PAYMENT_API_URL = fake.url
        settings.SHOP_PAYMENT_API_KEY = fake.api_key
        settings.SHOP_PAYMENT_SITE_ID = fake.site_id
        settings.SHOP_PAYMENT_SECRET_KEY = fake.secret_key
        yield fake


@pytest.fixture
def sign(db):
    return Product.objects.create(
        kind=ProductKind.SIGN_LARGE,
        name="Grand panneau « Quartier sous vigilance »",
        price=12500,
        stock=10,
        personalisation=Personalisation.COMMUNITY_NAME,
    )


@pytest.fixture
def sticker(db):
    return Product.objects.create(
        kind=ProductKind.STICKER, name="Autocollant de portail", price=500, stock=100
    )


@pytest.fixture
def zone(communes):
    zone = DeliveryZone.objects.create(name="Abidjan nord", fee=1500)
    zone.communes.add(Commune.objects.get(slug="cocody"))
    return zone


@pytest.fixture
def cocody(communes):
    return Commune.objects.get(slug="cocody")


def place(user, commune, **changes):
    fields = {
        "delivery_method": "delivery",
        "commune": commune,
        "quartier": "Riviera 2",
        "landmark": "Derrière la pharmacie des Jardins",
        "phone": "07 07 12 34 56",
        **changes,
    }
    return services.place_order(user, **fields)


@pytest.fixture
def order(riviera, yao, sign, sticker, zone, cocody):
    """Yao's order of two signs and four stickers, delivered in Cocody."""
    services.add_to_cart(yao, sign, 2)
    services.add_to_cart(yao, sticker, 4)
    return place(yao, cocody)
