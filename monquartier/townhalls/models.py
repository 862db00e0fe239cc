import hashlib
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class TownHallQuerySet(models.QuerySet):
    def partners_on(self, day: date) -> "TownHallQuerySet":
        """The town halls whose partnership covers that day."""
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )

    def partners(self) -> "TownHallQuerySet":
        return self.partners_on(timezone.localdate())


class TownHallValidation(models.TextChoices):
    """Who validates the join requests of every community of a partner commune."""

    REFERENTS = "referents", _("les référents de chaque communauté")
    STAFF = "staff", _("l'équipe MonQuartier")
    TOWN_HALL = "townhall", _("la mairie elle-même")


def _coat_of_arms_path(instance: "TownHall", filename: str) -> str:
    return f"townhalls/{instance.commune_id}/armoiries-{timezone.now():%Y%m%d%H%M%S}.png"


def partner_on(starts_on: date, ends_on: date | None, day: date) -> bool:
    """A partnership from starts_on to ends_on (included; open-ended without) holds on day."""
    return starts_on <= day and (ends_on is None or ends_on >= day)


class TownHall(models.Model):
    """A commune's partnership: its town hall subscribes for a period and its agents see
    and receive what happens in the commune. Staff record it in the admin."""

    commune = models.OneToOneField(
        "places.Commune",
        on_delete=models.PROTECT,
        related_name="town_hall",
        verbose_name=_("commune"),
    )
    name = models.CharField(
        _("nom"), max_length=120, help_text=_("Par exemple « Mairie de Cocody ».")
    )
    coat_of_arms = models.ImageField(_("armoiries"), upload_to=_coat_of_arms_path, blank=True)
    starts_on = models.DateField(_("début du partenariat"), default=timezone.localdate)
    ends_on = models.DateField(_("fin du partenariat"), null=True, blank=True)
    # Empty: each community's référents choose, as without a partner town hall.
    validation = models.CharField(
        _("validation des adhésions"),
        max_length=16,
        choices=TownHallValidation.choices,
        default=TownHallValidation.REFERENTS,
    )
    sms_quota_per_month = models.PositiveIntegerField(
        _("SMS par mois (annonces urgentes)"),
        default=2000,
        help_text=_("Une alerte urgente qui dépasserait ce quota est refusée avant l'envoi."),
    )
    # Set while a background task twins (or unties) all the commune's communities: one such
    # task at a time (townhalls/bulk_twinning.py).
    bulk_twinning_since = models.DateTimeField(
        _("jumelage de toutes les communautés en cours depuis"),
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = TownHallQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("mairie partenaire")
        verbose_name_plural = _("mairies partenaires")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="town_hall_partnership_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_partner_on(self, day: date) -> bool:
        return partner_on(self.starts_on, self.ends_on, day)

    @property
    def is_partner(self) -> bool:
        return self.is_partner_on(timezone.localdate())


class Agent(models.Model):
    """A town hall's agent: an account of its own, attached to one town hall, never a
    member of a community (accounts.User.is_town_hall_agent)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="town_hall_agent",
        verbose_name=_("compte"),
    )
    town_hall = models.ForeignKey(
        TownHall, on_delete=models.CASCADE, related_name="agents", verbose_name=_("mairie")
    )
    can_manage_agents = models.BooleanField(_("peut inviter et retirer des agents"), default=False)
    receives_alert_sms = models.BooleanField(_("reçoit aussi les alertes par SMS"), default=False)
    # Switched off by STOP sent from the agent's number (SMS or USSD): REPRENDRE switches
    # it back on; the agent's own choice in the console clears it.
    alert_sms_stopped = models.BooleanField(_("SMS arrêtés par STOP"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("agent de mairie")
        verbose_name_plural = _("agents de mairie")

    def __str__(self) -> str:
        return f"{self.user} ({self.town_hall})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentInvitation(models.Model):
    """An e-mail inviting someone to become an agent of a town hall. The link carries a
    random token; only its hash is stored."""

    town_hall = models.ForeignKey(
        TownHall, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("mairie")
    )
    email = models.EmailField(_("adresse e-mail"))
    can_manage_agents = models.BooleanField(
        _("pourra inviter et retirer des agents"), default=False
    )
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation d'agent")
        verbose_name_plural = _("invitations d'agents")

    def __str__(self) -> str:
        return f"{self.email} → {self.town_hall}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class TownHallContactQuerySet(models.QuerySet):
    def active(self) -> "TownHallContactQuerySet":
        return self.filter(active=True)


class TownHallContact(models.Model):
    """Someone at a partner town hall who receives every alert of the commune by e-mail
    and SMS without an account (agents have accounts: Agent)."""

    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.CASCADE,
        related_name="town_hall_contacts",
        verbose_name=_("commune"),
    )
    name = models.CharField(_("nom"), max_length=120)
    role = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    mobile = PhoneNumberField(_("téléphone mobile"), blank=True)
    active = models.BooleanField(_("actif"), default=True)

    objects = TownHallContactQuerySet.as_manager()

    class Meta:
        ordering = ["commune__name", "name"]
        verbose_name = _("contact de mairie partenaire")
        verbose_name_plural = _("contacts de mairies partenaires")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", mobile=""), name="town_hall_contact_reachable"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.commune})"


class PoliceContact(models.Model):
    """A police or gendarmerie station a town hall links with its communities: it
    receives their alerts by e-mail and SMS, without an account, except the categories
    the town hall switched off for it."""

    town_hall = models.ForeignKey(
        TownHall, on_delete=models.CASCADE, related_name="police", verbose_name=_("mairie")
    )
    station = models.CharField(_("commissariat ou brigade"), max_length=120)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    mobile = PhoneNumberField(_("téléphone mobile"), blank=True)
    # None chosen: every community of the commune.
    communities = models.ManyToManyField(
        "communities.Community", blank=True, related_name="+", verbose_name=_("communautés")
    )
    # AlertCategory values it does not receive (e.g. lost animals).
    muted_categories = models.JSONField(_("catégories non transmises"), default=list, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        ordering = ["station"]
        verbose_name = _("contact police ou gendarmerie")
        verbose_name_plural = _("contacts police et gendarmerie")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", mobile=""), name="police_contact_reachable"
            )
        ]

    def __str__(self) -> str:
        return self.station


class AnnouncementCategory(models.TextChoices):
    WATER_CUT = "water_cut", _("Coupure d'eau")
    POWER_CUT = "power_cut", _("Coupure d'électricité")
    WEATHER = "weather", _("Météo")
    ROADWORKS = "roadworks", _("Travaux")
    PUBLIC_SAFETY = "public_safety", _("Sécurité publique")
    EVENT = "event", _("Événement")
    OTHER = "other", _("Autre information")


class Announcement(models.Model):
    """A message of the town hall to the residents of chosen communities of its commune:
    an announcement (push and e-mail, members may switch the kind off) or an urgent
    alert (also SMS, within the town hall's monthly quota)."""

    town_hall = models.ForeignKey(
        TownHall, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("mairie")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    urgent = models.BooleanField(_("alerte urgente"), default=False)
    category = models.CharField(_("catégorie"), max_length=16, choices=AnnouncementCategory.choices)
    text = models.TextField(_("texte"), max_length=600)
    place = models.CharField(_("lieu"), max_length=160, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    starts_at = models.DateTimeField(_("à partir du"), null=True, blank=True)
    ends_at = models.DateTimeField(_("jusqu'au"), null=True, blank=True)
    communities = models.ManyToManyField(
        "communities.Community",
        related_name="town_hall_announcements",
        verbose_name=_("communautés"),
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now, db_index=True)
    fanned_out_at = models.DateTimeField(_("destinataires calculés le"), null=True, blank=True)
    sms_count = models.PositiveIntegerField(_("SMS envoyés"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("annonce de la mairie")
        verbose_name_plural = _("annonces de la mairie")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="announcement_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.town_hall} · {self.get_category_display()} · {self.created_at:%d/%m}"


class SignageOrder(models.Model):
    """A town hall's order of signs for its communities, paid by administrative mandate:
    stored here, and an order of the shop when its catalogue sells signs and stickers."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("reçue")
        IN_PROGRESS = "in_progress", _("en cours")
        DELIVERED = "delivered", _("livrée")
        CANCELLED = "cancelled", _("annulée")

    town_hall = models.ForeignKey(
        TownHall, on_delete=models.CASCADE, related_name="signage_orders", verbose_name=_("mairie")
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("commandée par"),
    )
    signs = models.PositiveIntegerField(_("panneaux"), default=0)
    stickers = models.PositiveIntegerField(_("autocollants"), default=0)
    communities = models.ManyToManyField(
        "communities.Community", blank=True, related_name="+", verbose_name=_("communautés")
    )
    delivery_address = models.CharField(_("adresse de livraison"), max_length=300)
    contact_phone = PhoneNumberField(_("téléphone du contact"))
    mandate_reference = models.CharField(
        _("référence du mandat administratif"), max_length=80, blank=True
    )
    notes = models.TextField(_("précisions"), max_length=1000, blank=True)
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    # The shop's order made of it when the catalogue sells both kinds (shop/services.py,
    # place_mandate_order): staff confirm, invoice and record the mandate's payment there.
    shop_order = models.OneToOneField(
        "shop.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signage_request",
        verbose_name=_("commande de la boutique"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("commande de signalétique")
        verbose_name_plural = _("commandes de signalétique")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signs__gt=0) | models.Q(stickers__gt=0),
                name="signage_order_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.town_hall} · {self.created_at:%d/%m/%Y}"


class PresentationSent(models.Model):
    """A member sent the presentation of MonQuartier for their commune to its town hall
    (counted: the flood limits cap how many a member may send)."""

    commune = models.ForeignKey("places.Commune", on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    to = models.EmailField()
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("présentation envoyée à une mairie")
        verbose_name_plural = _("présentations envoyées à des mairies")

    def __str__(self) -> str:
        return f"{self.commune} → {self.to}"


class DailyCommunityStats(models.Model):
    """The dashboard's figures of one community, day and category, for the days that are
    closed (townhalls/stats.py keeps them): counted alerts (visible, not corrections),
    seen by the town hall, opened by one of the community's current référents."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    category = models.CharField(max_length=20)
    alerts = models.PositiveIntegerField(default=0)
    town_hall = models.PositiveIntegerField(default=0)
    referents = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "category"], name="daily_stats_unique"
            )
        ]
        indexes = [models.Index(fields=["day"], name="daily_stats_day_idx")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day} {self.category}: {self.alerts}"


class StatsState(models.Model):
    """The aggregate's bookkeeping, one row: every day up to `through` is in
    DailyCommunityStats (the dashboard reads the live tables from `live_from`, the start
    of the next day), and the changes up to `scanned_at` are counted."""

    through = models.DateField()
    live_from = models.DateTimeField()
    scanned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"through {self.through}"


class StatsCommunity(models.Model):
    """Who the community's référents were when its days were counted: when they change,
    the community's every day is counted again (an old alert opened by a new référent
    counts as seen by a référent)."""

    community = models.OneToOneField(
        "communities.Community", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    referents = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.community_id}: {self.referents}"


class StatsPendingDay(models.Model):
    """A day to count again that no timestamp tells: an alert was deleted."""

    community_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community_id", "day"], name="stats_pending_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"
