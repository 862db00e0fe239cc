from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UssdSession(models.Model):
    """One USSD session, keyed by the provider's id: where the person is in the menu.

    The provider sends, on every key press, everything typed since the session began
    (`text`, choices joined by "*"); we act only on what is new since `last_text`, so a
    callback replayed gives back the same screen and does nothing twice. What a screen
    confirms (an alert, "j'ai vu", STOP) is done when confirmed: a session that times out
    loses only the choices not yet confirmed.

    Every session is billed to us: new ones are capped per number and per community
    (FLOOD_LIMITS "ussd_session", "ussd_session_community"); one refused is kept too
    (`refused`), since the provider bills it as well. The rows stay as long as delivery
    records, for the staff's cost pages; what was typed and shown goes a day after
    expiry (ussd/jobs.py)."""

    session_id = models.CharField(max_length=100, unique=True)
    phone = models.CharField(max_length=20)
    # The account chosen for this session (a number may serve several accounts).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The community the session served (the account's; None for a number of no member).
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refused = models.BooleanField(default=False)
    state = models.JSONField(default=dict)
    last_text = models.CharField(max_length=2000, blank=True)
    last_screen = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"], name="ussd_session_by_phone"),
            models.Index(fields=["community", "created_at"], name="ussd_session_by_community"),
            models.Index(fields=["created_at"], name="ussd_session_by_day"),
        ]
        verbose_name = _("session USSD")
        verbose_name_plural = _("sessions USSD")

    def __str__(self) -> str:
        return f"USSD {self.session_id[:12]} …{self.phone[-4:]}"


class CallbackRequest(models.Model):
    """Someone whose number belongs to no member asked, from the USSD menu, that a
    référent of a community call them back (to register them)."""

    phone = models.CharField(_("numéro"), max_length=20)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="callback_requests",
        verbose_name=_("communauté"),
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("demande de rappel")
        verbose_name_plural = _("demandes de rappel")
        indexes = [models.Index(fields=["phone", "-created_at"], name="callback_by_phone")]

    def __str__(self) -> str:
        return f"…{self.phone[-4:]} → {self.community_id}"
