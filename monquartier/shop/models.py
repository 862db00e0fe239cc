"""The signage shop: catalogue, carts, orders, payments by mobile money, invoices.

Prices and amounts are whole francs CFA (XOF has no decimals) in PositiveIntegerFields,
from the catalogue to the aggregator's API and back: no float, no Decimal anywhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.phones import format_for_display

CURRENCY = "XOF"


class ProductKind(models.TextChoices):
    SIGN_LARGE = "sign_large", _("grand panneau")
    SIGN_SMALL = "sign_small", _("petit panneau")
    STICKER = "sticker", _("autocollant")
    PACK = "pack", _("lot")


class Personalisation(models.TextChoices):
    NONE = "none", _("aucune")
    COMMUNITY_NAME = "community_name", _("au nom de la communauté")
    # Only for the communities of a partner town hall's commune.
    COAT_OF_ARMS = "coat_of_arms", _("au nom de la communauté et aux armoiries de la commune")


class ProductQuerySet(models.QuerySet):
    def on_sale(self):
        return self.filter(active=True)


class Product(models.Model):
    kind = models.CharField(_("type"), max_length=12, choices=ProductKind.choices)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    photo = models.ImageField(_("photo"), upload_to="shop/products/", blank=True)
    price = models.PositiveIntegerField(_("prix (F CFA)"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    active = models.BooleanField(_("en vente"), default=True)
    personalisation = models.CharField(
        _("personnalisation"),
        max_length=16,
        choices=Personalisation.choices,
        default=Personalisation.NONE,
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        constraints = [
            # The conditional UPDATE keeps it so; the database refuses it anyway.
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryZone(models.Model):
    """Where we deliver and at what fee; a commune in no active zone is pick-up only."""

    name = models.CharField(_("nom"), max_length=80)
    fee = models.PositiveIntegerField(_("frais de livraison (F CFA)"))
    communes = models.ManyToManyField(
        "places.Commune", related_name="+", verbose_name=_("communes desservies")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["fee", "name"]
        verbose_name = _("zone de livraison")
        verbose_name_plural = _("zones de livraison")

    def __str__(self) -> str:
        return self.name


class Cart(models.Model):
    """One per member, kept across visits until an order takes its lines."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_cart"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("panier")
        verbose_name_plural = _("paniers")

    def __str__(self) -> str:
        return f"cart {self.user_id}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_item_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class OrderState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("en attente de paiement")
    PAID = "paid", _("payée")
    PREPARING = "preparing", _("en préparation")
    SHIPPED = "shipped", _("expédiée")
    DELIVERED = "delivered", _("livrée")
    CANCELLED = "cancelled", _("annulée")
    REFUNDED = "refunded", _("remboursée")
    EXPIRED = "expired", _("expirée")


# Staff's forward steps (refunds and cancellations are their own services).
NEXT_STATE = {
    OrderState.PAID: OrderState.PREPARING,
    OrderState.PREPARING: OrderState.SHIPPED,
    OrderState.SHIPPED: OrderState.DELIVERED,
}
# Orders whose items left (or will leave) the stock for good.
STOCK_KEPT = (OrderState.PAID, OrderState.PREPARING, OrderState.SHIPPED, OrderState.DELIVERED)
REFUNDABLE = (OrderState.PAID, OrderState.PREPARING, OrderState.SHIPPED, OrderState.DELIVERED)


class DeliveryMethod(models.TextChoices):
    DELIVERY = "delivery", _("livraison")
    PICKUP = "pickup", _("retrait à notre point de retrait")


class PaymentMethod(models.TextChoices):
    MOBILE_MONEY = "mobile_money", _("mobile money")
    # A town hall's administrative mandate: staff confirm and invoice the order, then
    # record the mandate's payment; never online, never expired.
    MANDATE = "mandate", _("mandat administratif")


class OrderQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(user=user)

    def due_to_expire(self, now=None):
        return self.filter(state=OrderState.AWAITING_PAYMENT, expires_at__lt=now or timezone.now())


class Order(models.Model):
    number = models.CharField(_("numéro"), max_length=20, unique=True, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shop_orders",
        verbose_name=_("client"),
    )
    state = models.CharField(
        _("état"), max_length=16, choices=OrderState.choices, default=OrderState.AWAITING_PAYMENT
    )
    payment_method = models.CharField(
        _("paiement"),
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.MOBILE_MONEY,
    )
    # For a mandate: who buys (« Mairie de Cocody »), the mandate's reference, when staff
    # confirmed the order (and issued its invoice).
    buyer = models.CharField(_("acheteur"), max_length=120, blank=True)
    mandate_reference = models.CharField(_("référence du mandat"), max_length=80, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The community whose name personalised signs carry (the member's, when ordering).
    community = models.ForeignKey(
        "communities.Community", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery_method = models.CharField(
        _("livraison"), max_length=10, choices=DeliveryMethod.choices
    )
    zone = models.ForeignKey(
        DeliveryZone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The Ivorian address: a quartier, a landmark (« près de la pharmacie »), a phone the
    # delivery person calls.
    quartier = models.CharField(_("quartier"), max_length=100, blank=True)
    landmark = models.CharField(_("point de repère"), max_length=300, blank=True)
    phone = models.CharField(_("téléphone à appeler"), max_length=20)
    subtotal = models.PositiveIntegerField(_("articles (F CFA)"))
    delivery_fee = models.PositiveIntegerField(_("livraison (F CFA)"), default=0)
    total = models.PositiveIntegerField(_("total (F CFA)"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Set once, with the stock released: an expired, cancelled or refunded order gives
    # its items back exactly once.
    stock_released = models.BooleanField(default=False)
    refund_reference = models.CharField(_("référence du remboursement"), max_length=80, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        indexes = [
            models.Index(fields=["state", "-created_at"], name="order_queue"),
            models.Index(fields=["user", "-created_at"], name="order_history"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("delivery_fee")),
                name="order_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"

    @property
    def is_payable(self) -> bool:
        """Payable online by its customer (a mandate is paid to us by the treasury)."""
        return (
            self.state == OrderState.AWAITING_PAYMENT
            and self.payment_method == PaymentMethod.MOBILE_MONEY
        )

    @property
    def phone_display(self) -> str:
        """The phone to call as people write it (07 07 12 34 56), stored in E.164."""
        return format_for_display(self.phone)

    @property
    def is_mandate(self) -> bool:
        return self.payment_method == PaymentMethod.MANDATE


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # Frozen when ordering: a later price change never touches a placed order.
    name = models.CharField(max_length=120)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    personalised_with = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("créé")
    PENDING = "pending", _("en attente du client")
    ACCEPTED = "accepted", _("accepté")
    REFUSED = "refused", _("refusé")
    EXPIRED = "expired", _("expiré")
    REFUNDED = "refunded", _("remboursé")


class Payment(models.Model):
    """One attempt to pay an order through the aggregator."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    transaction_id = models.CharField(max_length=40, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    payment_token = models.CharField(max_length=200, blank=True)
    payment_url = models.URLField(max_length=500, blank=True)
    # What the aggregator said last (its status and payment method, e.g. OM, MOMO).
    provider_status = models.CharField(max_length=40, blank=True)
    payment_method = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.transaction_id


class NotificationOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("paiement confirmé")
    NOT_ACCEPTED = "not_accepted", _("paiement pas (encore) accepté")
    ALREADY_DONE = "already_done", _("déjà traité (répétition)")
    BAD_SIGNATURE = "bad_signature", _("signature invalide")
    UNKNOWN = "unknown", _("transaction inconnue")
    MISMATCH = "mismatch", _("montant ou devise différents")
    UNCHECKED = "unchecked", _("vérification impossible")
    MALFORMED = "malformed", _("notification incomplète")


class PaymentNotification(models.Model):
    """Every notification the aggregator (or anyone) posted to our webhook, as received,
    and what we made of it: the log staff read when a payment is disputed."""

    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    transaction_id = models.CharField(max_length=100, blank=True)
    fields = models.JSONField(default=dict)
    signature_valid = models.BooleanField(default=False)
    outcome = models.CharField(max_length=14, choices=NotificationOutcome.choices)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.outcome}"


class InvoiceCounter(models.Model):
    """The last invoice number of a year, a row locked while numbering: invoice numbers
    follow each other without a gap or a double, on PostgreSQL as on SQLite."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(_("numéro"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    amount = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_sequence_once"),
        ]

    def __str__(self) -> str:
        return self.number


class MessageEvent(models.TextChoices):
    PLACED = "placed", _("commande enregistrée")
    CONFIRMED = "confirmed", _("commande confirmée et facturée")
    PAID = "paid", _("paiement reçu")
    PREPARING = "preparing", _("en préparation")
    SHIPPED = "shipped", _("expédiée")
    DELIVERED = "delivered", _("livrée")
    CANCELLED = "cancelled", _("annulée")
    REFUNDED = "refunded", _("remboursée")
    EXPIRED = "expired", _("expirée")


class OrderMessage(models.Model):
    """What we tell the customer about their order; the outbox carries it by e-mail and,
    for the steps that matter most, by SMS (shop/outbox.py)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    event = models.CharField(max_length=12, choices=MessageEvent.choices)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.event}"
