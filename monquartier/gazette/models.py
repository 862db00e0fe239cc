import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PostCategory(models.TextChoices):
    SMALL_AD = "small_ad", _("Petite annonce")
    CARPOOL = "carpool", _("Covoiturage")
    EVENT = "event", _("Événement")
    LOST_FOUND = "lost_found", _("Objets perdus et trouvés")
    SERVICE = "service", _("Service")
    INFO = "info", _("Information")


class PostQuerySet(models.QuerySet):
    def visible(self) -> "PostQuerySet":
        return self.filter(hidden_at__isnull=True)


class Post(models.Model):
    """A gazette post: only the community's active members see it. Its author edits it;
    nobody deletes it; staff can hide it."""

    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="posts",
        verbose_name=_("communauté"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("auteur"),
    )
    category = models.CharField(_("rubrique"), max_length=12, choices=PostCategory.choices)
    title = models.CharField(_("titre"), max_length=120)
    text = models.TextField(_("texte"), max_length=5000)
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)
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

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("annonce")
        verbose_name_plural = _("annonces")
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"], name="post_community_recent")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("photo")
    PDF = "pdf", _("document PDF")


def _attachment_path(instance, filename: str) -> str:
    # Random names, outside any public location: files are served by a view that checks
    # who asks (gazette.views.attachment_file).
    extension = ".pdf" if filename.endswith(".pdf") else ".jpg"
    return f"gazette/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("annonce")
    )
    kind = models.CharField(_("type"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("fichier"), upload_to=_attachment_path)
    thumbnail = models.FileField(_("vignette"), upload_to=_attachment_path, blank=True)
    original_name = models.CharField(_("nom d'origine"), max_length=120)
    size = models.PositiveIntegerField(_("taille (octets)"))
    width = models.PositiveIntegerField(_("largeur"), null=True, blank=True)
    height = models.PositiveIntegerField(_("hauteur"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")

    def __str__(self) -> str:
        return self.original_name
