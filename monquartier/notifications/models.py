from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """The kinds a member sets a preference for (off, daily digest, instant)."""

    ALERT = "alert", _("Alertes")
    GAZETTE = "gazette", _("Gazette")
    MESSAGE = "message", _("Messages")
    JOIN_REQUEST = "join_request", _("Demandes d'adhésion")
    MOVEMENT = "movement", _("Arrivées et départs")
    BIRTHDAY = "birthday", _("Anniversaires")
    PLATFORM = "platform", _("Nouvelles de MonQuartier")
    # The partner town hall's announcements that are not urgent (urgent ones always go).
    TOWN_HALL = "townhall", _("Annonces de la mairie")


class Notification(models.Model):
    """Something a person should hear about, recorded when it happens.

    The notification engine turns these rows into e-mails and pushes, at once or in the
    daily digest, per the recipient's preferences; the web shows them too. `event`
    names what happened (join_request, join_accepted, twinning_requested…), `kind` the
    preference it falls under.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    event = models.CharField(max_length=40)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Small, display-ready values (names, a reason) captured when it happened.
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the recipient chose the daily digest for this kind and the digest that
    # carries it was made.
    digest = models.ForeignKey(
        "Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    for_digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_digest_queue",
                condition=models.Q(for_digest=True, digest__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"


class Mode(models.TextChoices):
    OFF = "off", _("Jamais")
    DIGEST = "digest", _("Résumé quotidien")
    INSTANT = "instant", _("Tout de suite")


class NotificationPreference(models.Model):
    """A member's choice for one kind; no row means the default of preferences.DEFAULTS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}={self.mode}"


class Digest(models.Model):
    """The daily e-mail gathering what a member chose to receive once a day. One per
    member and day: the scheduler may run twice, the digest goes once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
