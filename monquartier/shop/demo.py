"""Demo shop: four products, two delivery zones, and two orders of Yao (Riviera 2): one
paid with its invoice, one awaiting payment (pay it with the fake wallet the demo runs).
Written as rows (no service): the demo sends nothing. Idempotent."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import User
from monquartier.communities.models import Membership
from monquartier.places.models import Commune
from monquartier.shop import services
from monquartier.shop.models import (
    DeliveryMethod,
    DeliveryZone,
    Order,
    OrderLine,
    OrderState,
    Payment,
    PaymentStatus,
    Personalisation,
    Product,
    ProductKind,
)

PRODUCTS = [
    (
        ProductKind.SIGN_LARGE,
        "Grand panneau « Quartier sous vigilance des voisins »",
        "60 × 40 cm, aluminium, à fixer à l'entrée de la rue. Au nom de votre communauté.",
        15000,
        40,
        Personalisation.COMMUNITY_NAME,
    ),
    (
        ProductKind.SIGN_SMALL,
        "Petit panneau de portail",
        "30 × 20 cm, aluminium, pour un portail ou une façade.",
        6000,
        80,
        Personalisation.COMMUNITY_NAME,
    ),
    (
        ProductKind.STICKER,
        "Autocollant « Voisins vigilants »",
        "10 × 10 cm, vinyle résistant au soleil et à la pluie.",
        500,
        1000,
        Personalisation.NONE,
    ),
    (
        ProductKind.PACK,
        "Lot rue : 2 grands panneaux et 20 autocollants",
        "De quoi signaler une rue entière, aux armoiries de la commune partenaire.",
        36000,
        15,
        Personalisation.COAT_OF_ARMS,
    ),
]
ZONES = [
    ("Abidjan nord", 1500, ["cocody", "abobo", "adjame", "plateau"]),
    ("Abidjan sud", 2000, ["marcory", "koumassi", "treichville", "port-bouet", "yopougon"]),
]


def _line(order: Order, product: Product, quantity: int, community) -> None:
    OrderLine.objects.create(
        order=order,
        product=product,
        name=product.name,
        unit_price=product.price,
        quantity=quantity,
        personalised_with=community.name if product.personalisation != "none" else "",
    )
    Product.objects.filter(pk=product.pk).update(stock=F("stock") - quantity)


@transaction.atomic
def create_demo_shop() -> tuple[int, int]:
    created = 0
    for position, (kind, name, description, price, stock, personalised) in enumerate(PRODUCTS):
        _product, new = Product.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "description": description,
                "price": price,
                "stock": stock,
                "personalisation": personalised,
                "position": position,
            },
        )
        created += new
    for name, fee, slugs in ZONES:
        zone, new = DeliveryZone.objects.get_or_create(name=name, defaults={"fee": fee})
        if new:
            zone.communes.set(Commune.objects.filter(slug__in=slugs))
    yao = User.objects.filter(email=email_for("Yao", "Kouassi")).first()
    if yao is None or Order.objects.filter(user=yao).exists():
        return created, 0
    membership = Membership.objects.active_for(yao)
    community = membership.community if membership else None
    zone = DeliveryZone.objects.get(name="Abidjan nord")
    cocody = Commune.objects.filter(slug="cocody").first()
    large, small, sticker = (Product.objects.get(name=row[1]) for row in PRODUCTS[:3])
    now = timezone.now()
    paid = Order.objects.create(
        user=yao,
        community=community,
        state=OrderState.DELIVERED,
        delivery_method=DeliveryMethod.DELIVERY,
        zone=zone,
        commune=cocody,
        quartier="Riviera 2",
        landmark="Près de la pharmacie des Jardins, portail vert",
        phone=str(yao.mobile) or "+2250707000002",
        subtotal=large.price + 4 * sticker.price,
        delivery_fee=zone.fee,
        total=large.price + 4 * sticker.price + zone.fee,
        created_at=now - timedelta(days=12),
        updated_at=now - timedelta(days=9),
        paid_at=now - timedelta(days=12),
    )
    paid.number = f"MQ-{timezone.localdate(paid.created_at).year}-{paid.pk:06d}"
    paid.save(update_fields=["number"])
    _line(paid, large, 1, community)
    _line(paid, sticker, 4, community)
    Payment.objects.create(
        order=paid,
        transaction_id=f"MQ{paid.pk}XDEMO",
        amount=paid.total,
        status=PaymentStatus.ACCEPTED,
        provider_status="ACCEPTED",
        payment_method="OM",
        accepted_at=paid.paid_at,
    )
    services._issue_invoice(paid)
    waiting = Order.objects.create(
        user=yao,
        community=community,
        delivery_method=DeliveryMethod.PICKUP,
        phone=str(yao.mobile) or "+2250707000002",
        subtotal=2 * small.price,
        total=2 * small.price,
        created_at=now,
        updated_at=now,
        # Long enough for a visitor to try the fake wallet (the expiry job runs in the demo).
        expires_at=now + timedelta(minutes=max(settings.SHOP_PAYMENT_MINUTES, 120)),
    )
    waiting.number = f"MQ-{timezone.localdate(now).year}-{waiting.pk:06d}"
    waiting.save(update_fields=["number"])
    _line(waiting, small, 2, community)
    return created, 2
