from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Notification push")
    VOICE = "voice", _("Appel vocal")


class DevOutboxMessage(models.Model):
    """A copy of an e-mail or SMS that the development backends "sent".

    Only the development backends write here, so that the demo shows every message the
    platform produced without any outside service. Production never fills this table.
    """

    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("destinataire"), max_length=320)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body = models.TextField(_("texte"))
    html = models.TextField(_("version HTML"), blank=True)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "notifications_devoutboxmessage"
        ordering = ["-created_at", "-id"]
        verbose_name = _("message de la boîte d'envoi de développement")
        verbose_name_plural = _("boîte d'envoi de développement")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"


ENDPOINT_MAX_LENGTH = 1000
USER_AGENT_MAX_LENGTH = 200


class PushSubscription(models.Model):
    """One browser or installed app that accepted push notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=ENDPOINT_MAX_LENGTH, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notifications_pushsubscription"
        verbose_name = _("abonnement aux notifications push")
        verbose_name_plural = _("abonnements aux notifications push")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.endpoint[:50]}"


# FCM registration tokens are about 160 characters; Google documents no maximum.
FCM_TOKEN_MAX_LENGTH = 512


class AppPlatform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"


class FCMRegistration(models.Model):
    """One native app's Firebase Cloud Messaging token (outbox/fcm.py sends to it).

    It belongs to the API sign-in it was registered with (accounts.DeviceToken, named by
    its label: this app never imports accounts): revoking that sign-in, changing the
    password, suspending or closing the account delete the sign-in and so, by the
    cascade, the registration. One per sign-in: an app whose token changed registers
    again and replaces it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="fcm_registrations",
        verbose_name=_("membre"),
    )
    device = models.OneToOneField(
        "accounts.DeviceToken",
        on_delete=models.CASCADE,
        related_name="fcm_registration",
        verbose_name=_("appareil connecté"),
    )
    token = models.CharField(_("jeton FCM"), max_length=FCM_TOKEN_MAX_LENGTH, unique=True)
    platform = models.CharField(_("système"), max_length=8, choices=AppPlatform.choices, blank=True)
    created_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    last_success_at = models.DateTimeField(_("dernier envoi réussi"), null=True, blank=True)

    class Meta:
        verbose_name = _("appareil inscrit aux notifications de l'application")
        verbose_name_plural = _("appareils inscrits aux notifications de l'application")

    def __str__(self) -> str:
        return f"{self.user_id} · FCM …{self.token[-8:]}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    SENDING = "sending", _("en cours d'envoi")
    SENT = "sent", _("remis au transport")
    DELIVERED = "delivered", _("reçu")
    FAILED = "failed", _("échec")
    CANCELLED = "cancelled", _("annulé")
    SKIPPED = "skipped", _("sans objet")


class Delivery(models.Model):
    """The outbox: one message to send, to one recipient, on one channel.

    Rows are written in bulk by the fan-out with unique constraints, so that writing them
    twice writes nothing new; senders claim due rows, hand them to the transport and mark
    the outcome. `due_at` holds the next attempt (the alert SMS is due after the delay).

    What a row carries (an alert, a notification, a digest, a town hall's announcement, a
    newsletter, an invitation, a shop order's step) is a foreign key to the app
    that owns it, named by its label only: the unique keys that make a fan-out
    idempotent are the database's, and this app never imports those apps.
    Each of them registers how its rows are loaded and rendered (outbox/sources.py);
    the support desk's e-mails (`support_email`) go to visitors as well as members.

    None of these keys is a constraint of the database (docs/decisions.md, "The outbox
    keeps no foreign-key constraints"): each one's triggers fired on every row a fan-out
    writes, and were nearly half its time. Django still cascades every deletion made
    through the ORM; a row left pointing at nothing (a deletion racing a fan-out) is
    cancelled by the sender, never sent.
    """

    # Every row of an alert fan-out pays for each index of this table: the foreign keys
    # that are mostly NULL are indexed by the partial constraints and indexes below
    # instead (a lookup `alert_id = X` implies `alert_id IS NOT NULL`, so PostgreSQL uses
    # them), which halves the indexes a fan-out writes.
    alert = models.ForeignKey(
        "alerts.Alert",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    notification = models.ForeignKey(
        "notifications.Notification",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    digest = models.ForeignKey(
        "notifications.Digest",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    announcement = models.ForeignKey(
        "townhalls.Announcement",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    newsletter = models.ForeignKey(
        "newsletters.Newsletter",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    # A member's invitation to a neighbour (no account yet: `address` is all we have).
    invitation = models.ForeignKey(
        "invitations.Invitation",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    support_email = models.ForeignKey(
        "support.SupportEmail",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    # What the shop tells a customer about their order (e-mail, and SMS for some steps).
    shop_message = models.ForeignKey(
        "shop.OrderMessage",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    contact = models.ForeignKey(
        "townhalls.TownHallContact",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    police = models.ForeignKey(
        "townhalls.PoliceContact",
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The e-mail address or E.164 number when the row was written (push looks up the
    # member's devices when it sends).
    address = models.CharField(max_length=320, blank=True)
    # Who receives it, for the alert's progress: the community, a twinned one, the town hall.
    audience = models.CharField(max_length=12, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=128, blank=True)
    # The SMS provider that took it (the router chooses by operator), and what it cost us
    # in francs CFA (SMS_PRICES; NULL: no price for that provider, or not an SMS).
    sms_provider = models.CharField(_("fournisseur SMS"), max_length=32, blank=True, db_default="")
    cost = models.DecimalField(
        _("coût (F CFA)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_delivery"
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        constraints = [
            # Also the index of every alert's rows (town-hall rows have no user: NULLs
            # never conflict).
            models.UniqueConstraint(
                fields=["alert", "user", "channel"],
                condition=models.Q(alert__isnull=False),
                name="delivery_alert_recipient_channel",
            ),
            models.UniqueConstraint(
                fields=["alert", "contact", "channel"],
                condition=models.Q(alert__isnull=False, contact__isnull=False),
                name="delivery_alert_contact_channel",
            ),
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=models.Q(notification__isnull=False),
                name="delivery_notification_channel",
            ),
            models.UniqueConstraint(
                fields=["alert", "police", "channel"],
                condition=models.Q(alert__isnull=False, police__isnull=False),
                name="delivery_alert_police_channel",
            ),
            models.UniqueConstraint(
                fields=["announcement", "user", "channel"],
                condition=models.Q(announcement__isnull=False),
                name="delivery_announcement_recipient_channel",
            ),
            models.UniqueConstraint(
                fields=["newsletter", "user", "channel"],
                condition=models.Q(newsletter__isnull=False),
                name="delivery_newsletter_recipient_channel",
            ),
            models.UniqueConstraint(
                fields=["support_email", "channel"],
                condition=models.Q(support_email__isnull=False),
                name="delivery_support_email_channel",
            ),
            models.UniqueConstraint(
                fields=["shop_message", "channel"],
                condition=models.Q(shop_message__isnull=False),
                name="delivery_shop_message_channel",
            ),
            models.UniqueConstraint(
                fields=["digest", "channel"],
                condition=models.Q(digest__isnull=False),
                name="delivery_digest_channel",
            ),
            models.UniqueConstraint(
                fields=["invitation", "channel"],
                condition=models.Q(invitation__isnull=False),
                name="delivery_invitation_channel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["contact"],
                name="delivery_contact",
                condition=models.Q(contact__isnull=False),
            ),
            models.Index(
                fields=["police"],
                name="delivery_police",
                condition=models.Q(police__isnull=False),
            ),
            # The claim's order (due_at, then id) whole: with due_at alone PostgreSQL, its
            # statistics seeing the usual near-empty queue, read every due row of the
            # channel and sorted them for each batch of 100 (30 ms a claim on the peak
            # day); with the id it reads the first hundred in order and stops.
            models.Index(
                fields=["channel", "due_at", "id"],
                name="delivery_due",
                condition=models.Q(status=DeliveryStatus.QUEUED),
            ),
            models.Index(
                fields=["claimed_at"],
                name="delivery_claimed",
                condition=models.Q(status=DeliveryStatus.SENDING),
            ),
            models.Index(
                fields=["provider_id"],
                name="delivery_provider_id",
                condition=~models.Q(provider_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address or self.user_id} ({self.status})"


class ScheduledRun(models.Model):
    """A periodic job enqueued for one period. The unique key makes a second scheduler, or
    a restarted one, enqueue nothing twice; a period with no row is caught up."""

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_scheduledrun"
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="one_run_per_period")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period}"


class TextPurpose(models.TextChoices):
    REPLY = "reply", _("réponse à un SMS reçu")
    CONSENT = "consent", _("demande d'accord d'un voisin inscrit")
    CODE = "code", _("code de vérification d'un numéro")
    ESCALATION = "escalation", _("alerte que personne n'a vue")


class TextMessage(models.Model):
    """One SMS sent outside the alert outbox, counted: what it cost us, on whose behalf and
    for which community. The flood limits count these rows (a référent's registrations,
    the replies to a number), so that every SMS we pay for is capped and accounted."""

    purpose = models.CharField(max_length=12, choices=TextPurpose.choices)
    to = models.CharField(max_length=20)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Le compte qui a fait partir ce SMS."),
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider = models.CharField(_("fournisseur SMS"), max_length=32, blank=True, db_default="")
    cost = models.DecimalField(
        _("coût (F CFA)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_textmessage"
        verbose_name = _("SMS envoyé hors alerte")
        verbose_name_plural = _("SMS envoyés hors alerte")
        indexes = [
            models.Index(fields=["to", "created_at"], name="text_message_by_number"),
            models.Index(fields=["account", "created_at"], name="text_message_by_account"),
            models.Index(fields=["community", "created_at"], name="text_message_by_community"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → …{self.to[-4:]}"


class SMSOptOutQuerySet(models.QuerySet):
    def covers(self, number: str) -> bool:
        return self.filter(number=number).exists()


class SMSOptOut(models.Model):
    """A number that answered STOP: we send it nothing we are free not to send (an
    invitation, say), whether or not it belongs to an account. START lifts it. The
    members' own alert SMS setting (User.alert_sms) is changed by the same answer."""

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("depuis le"), default=timezone.now)

    objects = SMSOptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("numéro qui a répondu STOP")
        verbose_name_plural = _("numéros qui ont répondu STOP")

    def __str__(self) -> str:
        return f"STOP …{self.number[-4:]}"

    @classmethod
    def record(cls, number: str) -> None:
        cls.objects.get_or_create(number=number)

    @classmethod
    def lift(cls, number: str) -> None:
        cls.objects.filter(number=number).delete()


class CallOutcome(models.TextChoices):
    REQUESTED = "requested", _("demandé")
    ANSWERED = "answered", _("décroché")
    UNANSWERED = "unanswered", _("sans réponse")
    FAILED = "failed", _("échec")


class VoiceCall(models.Model):
    """One phone call we asked the voice provider to make, counted like TextMessage: what it
    cost, for whom and for which community. Each attempt of a voice delivery is its own
    call (an unanswered call is tried again with a new session); the daily caps count
    these rows. The provider names the call by its session id in every callback."""

    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("envoi"),
    )
    session_id = models.CharField(_("session du fournisseur"), max_length=128, unique=True)
    to = models.CharField(_("numéro appelé"), max_length=20)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
        help_text=_("Le membre appelé."),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("communauté"),
    )
    outcome = models.CharField(
        _("issue"), max_length=10, choices=CallOutcome.choices, default=CallOutcome.REQUESTED
    )
    # The keys the member pressed, in order (1 replay, 2 acknowledge), at most a few.
    keys = models.CharField(_("touches"), max_length=32, blank=True)
    # When the provider first asked for our instructions: the member picked up.
    answered_at = models.DateTimeField(_("décroché le"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("entendu le"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("durée (secondes)"), default=0)
    # Our cost, from VOICE_PRICE_PER_MINUTE (per started minute), in francs CFA; and what
    # the provider said it charged, as it said it.
    cost = models.DecimalField(_("coût (F CFA)"), max_digits=10, decimal_places=2, default=0)
    provider_amount = models.CharField(_("montant du fournisseur"), max_length=32, blank=True)
    provider_currency = models.CharField(_("devise du fournisseur"), max_length=8, blank=True)
    hangup_cause = models.CharField(_("cause de fin d'appel"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    ended_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("appel vocal")
        verbose_name_plural = _("appels vocaux")
        indexes = [
            models.Index(fields=["account", "created_at"], name="voice_call_by_account"),
            models.Index(fields=["community", "created_at"], name="voice_call_by_community"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} → …{self.to[-4:]}"
