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
                condition=Q(status=ExclusionStatus.PENDING),
                name="one_pending_exclusion_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.community})"


class ReportKind(models.TextChoices):
    ALERT = "alert", _("alerte")
    POST = "post", _("annonce de la gazette")
    MESSAGE = "message", _("message privé")


class ReportReason(models.TextChoices):
    FALSE_ALERT = "false_alert", _("Fausse alerte ou alerte abusive")
    DISCRIMINATION = "discrimination", _("Propos discriminatoires (origine, ethnie, religion…)")
    INSULT = "insult", _("Insulte, menace ou harcèlement")
    VIGILANTISM = "vigilantism", _("Appel à se faire justice")
    SPAM = "spam", _("Publicité abusive ou arnaque")
    PRIVACY = "privacy", _("Données personnelles d'un tiers")
    OTHER = "other", _("Autre")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("à examiner")
    HIDDEN = "hidden", _("contenu masqué")
    DISMISSED = "dismissed", _("classé sans suite")
    EXCLUSION = "exclusion", _("exclusion demandée")


class Report(models.Model):
    """Someone reports an alert, a post or a message; staff decide, the reporter is told."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("signalé par"),
    )
    kind = models.CharField(_("contenu"), max_length=8, choices=ReportKind.choices)
    object_id = models.PositiveBigIntegerField(_("numéro du contenu"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("communauté"),
    )
    reason = models.CharField(_("motif"), max_length=16, choices=ReportReason.choices)
    details = models.TextField(_("précisions"), max_length=1000, blank=True)
    excerpt = models.CharField(_("extrait"), max_length=300, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    staff_note = models.TextField(_("note de l'équipe"), blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "object_id"], name="one_report_per_person_and_item"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="report_target")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} ({self.get_status_display()})"
