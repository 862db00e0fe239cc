from django.db import models
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
