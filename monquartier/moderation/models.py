from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExclusionStatus(models.TextChoices):
    PENDING = "pending", _("à examiner")
    ACCEPTED = "accepted", _("acceptée")
    REJECTED = "rejected", _("rejetée")


class ExclusionRequest(models.Model):
    """A référent asks the team to remove a member from the community; staff decide."""

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="exclusion_requests",
        verbose_name=_("communauté"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("membre"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    reason = models.TextField(_("motif"), max_length=1000)
    status = models.CharField(
        _("statut"), max_length=12, choices=ExclusionStatus.choices, default=ExclusionStatus.PENDING
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    staff_note = models.TextField(_("note de l'équipe"), blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("demande d'exclusion")
        verbose_name_plural = _("demandes d'exclusion")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"],
                condition=Q(status="pending"),
                name="one_pending_exclusion_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.community})"
