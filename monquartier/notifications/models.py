from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Notification push")


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
        ordering = ["-created_at", "-id"]
        verbose_name = _("message de la boîte d'envoi de développement")
        verbose_name_plural = _("boîte d'envoi de développement")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"


class NotificationKind(models.TextChoices):
    """The kinds a member sets a preference for (off, daily digest, instant)."""

    ALERT = "alert", _("Alertes")
    GAZETTE = "gazette", _("Gazette")
    MESSAGE = "message", _("Messages")
    JOIN_REQUEST = "join_request", _("Demandes d'adhésion")
    MOVEMENT = "movement", _("Arrivées et départs")
    BIRTHDAY = "birthday", _("Anniversaires")
    PLATFORM = "platform", _("Nouvelles de MonQuartier")


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id}"
