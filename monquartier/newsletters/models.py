from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 20_000


class Audience(models.TextChoices):
    REFERENTS = "referents", _("Les référents")
    MEMBERS = "members", _("Tous les membres")
    COMMUNE = "commune", _("Les membres d'une commune")


class NewsletterQuerySet(models.QuerySet["Newsletter"]):
    def drafts(self) -> "NewsletterQuerySet":
        return self.filter(sent_at__isnull=True)

    def sent(self) -> "NewsletterQuerySet":
        return self.filter(sent_at__isnull=False)


class Newsletter(models.Model):
    """A letter the MonQuartier team writes to members by e-mail.

    A draft is edited in the admin; once sent (`sent_at`) it never changes again: its
    deliveries are in the outbox, one per recipient, and the unique key of those rows
    with `sent_at` make a second send impossible.
    """

    title = models.CharField(_("titre"), max_length=TITLE_MAX_LENGTH)
    text = models.TextField(
        _("texte"),
        max_length=TEXT_MAX_LENGTH,
        help_text=_(
            "Une ligne vide sépare deux paragraphes. Une ligne qui commence par « - » est "
            "un élément de liste ; **mots** en gras ; les adresses https://… deviennent "
            "des liens."
        ),
    )
    audience = models.CharField(_("destinataires"), max_length=12, choices=Audience.choices)
    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
        help_text=_("Seulement pour « Les membres d'une commune »."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rédigée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    test_sent_at = models.DateTimeField(_("essai envoyé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyée par"),
    )
    recipient_count = models.PositiveIntegerField(_("destinataires"), default=0)

    objects = NewsletterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lettre d'information")
        verbose_name_plural = _("lettres d'information")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="commune", commune__isnull=False)
                | (~models.Q(audience="commune") & models.Q(commune__isnull=True)),
                name="newsletter_commune_only_for_commune_audience",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.audience == Audience.COMMUNE and self.commune_id is None:
            raise ValidationError({"commune": _("Choisissez la commune de ces membres.")})
        if self.audience != Audience.COMMUNE and self.commune_id is not None:
            raise ValidationError(
                {
                    "commune": _(
                        "Une commune se choisit seulement pour « Les membres d'une commune »."
                    )
                }
            )

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    @property
    def audience_label(self) -> str:
        if self.audience == Audience.COMMUNE and self.commune is not None:
            return str(_("Les membres de %(commune)s")) % {"commune": self.commune.name}
        return str(self.get_audience_display())
