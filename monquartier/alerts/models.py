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


class AlertStatus(models.TextChoices):
    """An alert is sent, or held by the safeguards (alerts/safeguards.py) until a référent
    or staff decide: approved, it is sent as any other; rejected, it never is."""

    SENT = "sent", _("envoyée")
    HELD = "held", _("en attente de vérification")
    REJECTED = "rejected", _("refusée après vérification")


class AlertQuerySet(models.QuerySet):
    def visible(self) -> "AlertQuerySet":
        """What members see: sent (never held nor rejected by the safeguards), not hidden."""
        return self.filter(hidden_at__isnull=True, status=AlertStatus.SENT)

    def held(self) -> "AlertQuerySet":
        return self.filter(status=AlertStatus.HELD)


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
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("masquée par"),
    )
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)
    # "Vu par la mairie": an agent of the commune's partner town hall acknowledged it.
    town_hall_seen_at = models.DateTimeField(_("vue par la mairie le"), null=True, blank=True)
    town_hall_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vue par l'agent"),
    )

    # The safeguards (alerts/holds.py): an alert sent by SMS or USSD whose text they
    # flagged waits for a référent or staff.
    status = models.CharField(
        _("état"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.SENT
    )
    held_rules = models.CharField(_("règles en cause"), max_length=64, blank=True)
    held_words = models.CharField(_("mots en cause"), max_length=300, blank=True)
    hold_reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décision par"),
    )
    decision_reason = models.CharField(_("motif de la décision"), max_length=300, blank=True)

    # The escalation (alerts/escalation.py): nobody in the community acknowledged it in
    # time, so the référents were told (1), then the town hall and the police (2).
    escalation_level = models.PositiveSmallIntegerField(_("niveau d'escalade"), default=0)
    escalated_at = models.DateTimeField(_("escaladée le"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()
    # Set on the alert a reader opens (alerts.access.readable_alert), not a column.
    reader_is_referent: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alerte")
        verbose_name_plural = _("alertes")
        indexes = [
            models.Index(fields=["community", "-created_at"], name="alert_community_recent"),
            # The queue of held alerts is tiny: a partial index keeps it so.
            models.Index(
                fields=["community", "created_at"],
                name="alert_held_queue",
                condition=models.Q(status="held"),
            ),
            # The town halls' dashboard job (townhalls/stats.py) looks every minute for
            # the alerts of closed days that were sent, seen or hidden since its last run.
            models.Index(fields=["fanned_out_at"], name="alert_fanned_out"),
            models.Index(fields=["town_hall_seen_at"], name="alert_town_hall_seen"),
            models.Index(
                fields=["hidden_at"],
                name="alert_hidden",
                condition=models.Q(hidden_at__isnull=False),
            ),
        ]
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
    def is_held(self) -> bool:
        return self.status == AlertStatus.HELD

    @property
    def is_correction(self) -> bool:
        """Shown as a correction everywhere (pages, e-mail, SMS, push), never as a new
        alert of its category."""
        return self.corrects_id is not None


class HeldAlert(Alert):
    """The alerts the safeguards held, in the staff's admin (alerts/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("alerte retenue")
        verbose_name_plural = _("alertes retenues")


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


class EscalationOutcome(models.TextChoices):
    CALLED = "called", _("appelé")
    SMS = "sms", _("SMS envoyé")
    REFUSED = "refused", _("SMS non envoyé (STOP ou plafond du jour)")
    NO_NUMBER = "no_number", _("pas de mobile vérifié")


class EscalationStep(models.Model):
    """Who the escalation of an alert (alerts/escalation.py) reached, at which level and
    when: one row per référent (level 1) and per number of the town hall and police
    (level 2). `user` is the account told (a référent, an agent), None for a contact or
    police number; the number itself stays in the counted TextMessage, not here."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="escalation_steps")
    level = models.PositiveSmallIntegerField(_("niveau"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    outcome = models.CharField(_("résultat"), max_length=10, choices=EscalationOutcome.choices)
    at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["level", "pk"]
        verbose_name = _("étape d'escalade")
        verbose_name_plural = _("étapes d'escalade")

    def __str__(self) -> str:
        return f"{self.alert_id} level {self.level}: {self.outcome}"


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


class SafeguardRule(models.TextChoices):
    GROUP = "group", _("désigne un groupe (ethnie, nationalité, religion)")
    VIOLENCE = "violence", _("appel à la violence")
    GATHER = "gather", _("appel à se rassembler ou à poursuivre")
    VICTIM = "victim", _("décrit une victime (excuse un groupe)")
    ALLOWED = "allowed", _("toujours permis (lieu, mot courant)")


class SafeguardTerm(models.Model):
    """A word or phrase the safeguards look for in an alert (alerts/safeguards.py).
    Seeded from alerts/data/safeguards.txt; staff edit them in the admin (audited)."""

    rule = models.CharField(_("règle"), max_length=8, choices=SafeguardRule.choices)
    phrase = models.CharField(
        _("mot ou expression"),
        max_length=80,
        help_text=_(
            "Dans son orthographe courante : accents, majuscules, pluriels, féminins et écritures SMS sont pris en compte."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["rule", "phrase"]
        verbose_name = _("mot surveillé")
        verbose_name_plural = _("mots surveillés")
        constraints = [
            models.UniqueConstraint(fields=["rule", "phrase"], name="safeguard_term_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} : {self.phrase}"
