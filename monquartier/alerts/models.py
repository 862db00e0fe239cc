from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertCategory(models.TextChoices):
    BURGLARY = "burglary", _("Cambriolage")
    SUSPICIOUS = "suspicious", _("Personne ou véhicule suspect")
    THEFT = "theft", _("Vol")
    ASSAULT = "assault", _("Agression")
    FIRE = "fire", _("Incendie")
    MISSING = "missing", _("Enfant ou animal perdu")
    UTILITY = "utility", _("Coupure d'eau ou d'électricité")
    OTHER = "other", _("Autre")


class AlertSource(models.TextChoices):
    WEB = "web", _("site")
    SMS = "sms", _("SMS")
    API = "api", _("application")
    USSD = "ussd", _("USSD")


class AlertQuerySet(models.QuerySet):
    def visible(self) -> "AlertQuerySet":
        return self.filter(hidden_at__isnull=True)


class Alert(models.Model):
    """An urgent warning to a community. Never edited nor deleted: the neighbours already
    received it. A correction is a new alert pointing to the first; staff can hide an
    abusive one."""

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("communauté"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="alerts_sent",
        verbose_name=_("émetteur"),
    )
    category = models.CharField(_("catégorie"), max_length=16, choices=AlertCategory.choices)
    text = models.TextField(_("texte"), max_length=500)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrige l'alerte"),
    )
    source = models.CharField(
        _("envoyée par"), max_length=8, choices=AlertSource.choices, default=AlertSource.WEB
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now, db_index=True)
    fanned_out_at = models.DateTimeField(_("destinataires calculés le"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("masquée le"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)
    # "Vu par la mairie": an agent of the commune's partner town hall acknowledged it.
    town_hall_seen_at = models.DateTimeField(_("vue par la mairie le"), null=True, blank=True)
    town_hall_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AlertQuerySet.as_manager()
    # Set on the alert a reader opens (alerts.access.readable_alert), not a column.
    reader_is_referent: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        indexes = [models.Index(fields=["community", "-created_at"], name="alert_community_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="alert_place_on_earth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.community} · {self.created_at:%d/%m %H:%M}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_correction(self) -> bool:
        """Shown as a correction everywhere (pages, e-mail, SMS, push), never as a new
        alert of its category."""
        return self.corrects_id is not None


class AlertRead(models.Model):
    """A member opened the alert (web or app): their delayed SMS is no longer needed."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts_read"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="one_read_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.alert_id}"


class AcknowledgementChannel(models.TextChoices):
    WEB = "web", _("site ou application")
    SMS = "sms", _("SMS")
    USSD = "ussd", _("USSD")
    VOICE = "voice", _("appel vocal")


class AlertAcknowledgement(models.Model):
    """A recipient said "J'ai vu": on the page, by SMS (VU), by USSD or by a key during
    the voice call. Once per member and alert; the first channel and time stay."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts_acknowledged"
    )
    at = models.DateTimeField(_("vue le"), default=timezone.now)
    channel = models.CharField(_("canal"), max_length=8, choices=AcknowledgementChannel.choices)

    class Meta:
        verbose_name = _("alerte vue")
        verbose_name_plural = _("alertes vues")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="one_acknowledgement_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.alert_id} ({self.channel})"


class InboundStatus(models.TextChoices):
    ALERT = "alert", _("alerte créée")
    REFUSED = "refused", _("refusé")
    COMMAND = "command", _("commande")


class InboundSMS(models.Model):
    """Every SMS received on the platform's number, once (the provider's id is unique:
    a webhook delivered twice creates nothing the second time)."""

    provider = models.CharField(max_length=32)
    provider_message_id = models.CharField(max_length=128)
    sender = models.CharField(max_length=20)
    text = models.TextField(max_length=1600)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=12, choices=InboundStatus.choices)
    detail = models.CharField(max_length=200, blank=True)
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("SMS reçu")
        verbose_name_plural = _("SMS reçus")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="inbound_sms_once"
            )
        ]
        indexes = [models.Index(fields=["sender", "-received_at"], name="inbound_sms_by_sender")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"
