"""Writing to the gazette: posts, their photos and PDFs, edits, and hiding by staff."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.audit import log as audit_log
from monquartier.communities import privacy
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.core import flood
from monquartier.core.documents import check_pdf, looks_like_pdf
from monquartier.core.images import reencode_image
from monquartier.gazette import pagecache as gazette_pagecache
from monquartier.gazette.models import Attachment, AttachmentKind, Post, PostCategory
from monquartier.notifications.models import NotificationKind

TITLE_MAX, TEXT_MAX = 120, 5000


@dataclass
class PreparedFile:
    kind: str
    content: ContentFile
    thumbnail: ContentFile | None
    original_name: str
    size: int
    width: int | None = None
    height: int | None = None


def _name(upload) -> str:
    return (getattr(upload, "name", "") or "fichier")[-120:]


def prepare_file(upload) -> PreparedFile:
    """Decide by content: a PDF is checked as a PDF, anything else must be an image,
    which is re-encoded (EXIF dropped). Raises ValidationError naming the file."""
    try:
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if looks_like_pdf(head):
            check_pdf(upload)
            data = upload.read()
            return PreparedFile(
                AttachmentKind.PDF,
                ContentFile(data, name="document.pdf"),
                None,
                _name(upload),
                len(data),
            )
        image = reencode_image(upload)
    except ValidationError as error:
        message = f"{_name(upload)} : {' '.join(error.messages)}"
        raise ValidationError({"files": ValidationError(message, code=error.code)}) from None
    return PreparedFile(
        AttachmentKind.PHOTO,
        image.full,
        image.thumbnail,
        _name(upload),
        image.full.size,
        image.width,
        image.height,
    )


def _field_error(field: str, message: str, code: str | None = None) -> ValidationError:
    """An error on one field of the post form (views hand it to the form as is)."""
    return ValidationError({field: ValidationError(message, code=code or field)})


def _clean(title: str, text: str, category: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    text = (text or "").strip()
    if not title:
        raise _field_error("title", _("Donnez un titre à votre annonce."))
    if len(title) > TITLE_MAX:
        raise _field_error(
            "title", _("Le titre fait %(max)s caractères au plus.") % {"max": TITLE_MAX}
        )
    if not text:
        raise _field_error("text", _("Écrivez le texte de votre annonce."))
    if len(text) > TEXT_MAX:
        raise _field_error(
            "text", _("Le texte fait %(max)s caractères au plus.") % {"max": TEXT_MAX}
        )
    if category not in PostCategory.values:
        raise _field_error("category", _("Choisissez une rubrique."))
    return title, text


def _check_count(existing: int, adding: int) -> None:
    limit = settings.GAZETTE_MAX_ATTACHMENTS
    if existing + adding > limit:
        raise _field_error(
            "files",
            _("Une annonce a %(max)s pièces jointes au plus.") % {"max": limit},
            code="too_many_files",
        )


def _check_flood(author: User) -> None:
    # Each post is announced to the whole community.
    flood.check_flood(
        Post.objects.filter(author=author),
        "gazette_post",
        _(
            "Vous avez déjà publié %(count)s annonces en 24 heures : attendez un peu avant la suivante."
        ),
    )


def _attach(post: Post, prepared: list[PreparedFile]) -> None:
    start = (post.attachments.aggregate(last=Max("position"))["last"] or 0) + 1
    for offset, item in enumerate(prepared):
        attachment = Attachment(
            post=post,
            kind=item.kind,
            original_name=item.original_name,
            size=item.size,
            width=item.width,
            height=item.height,
            position=start + offset,
        )
        suffix = ".pdf" if item.kind == AttachmentKind.PDF else ".jpg"
        attachment.file.save(f"file{suffix}", item.content, save=False)
        if item.thumbnail is not None:
            attachment.thumbnail.save("thumbnail.jpg", item.thumbnail, save=False)
        attachment.save()


def _delete_files_after_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def delete() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete)


def create_post(author: User, *, title: str, text: str, category: str, files=()) -> Post:
    membership = Membership.objects.active_for(author)
    if membership is None:
        raise PermissionDenied(_("Seuls les membres d'une communauté écrivent dans sa gazette."))
    title, text = _clean(title, text, category)
    files = list(files)
    _check_count(0, len(files))
    _check_flood(author)
    prepared = [prepare_file(upload) for upload in files]  # slow work before the transaction
    with transaction.atomic():
        # One author at a time: two posts sent at once are counted one after the other.
        User.objects.select_for_update().filter(pk=author.pk).first()
        _check_flood(author)
        post = Post.objects.create(
            community=membership.community, author=author, category=category, title=title, text=text
        )
        _attach(post, prepared)
        neighbours = User.objects.filter(
            memberships__community=membership.community, memberships__status=MembershipStatus.ACTIVE
        ).exclude(pk=author.pk)
        privacy.notify_about(
            author,
            neighbours,
            name_key="author",
            kind=NotificationKind.GAZETTE,
            event="new_post",
            community=membership.community,
            actor=author,
            url=reverse("gazette:detail", args=[post.pk]),
            title=title,
        )
    return post


def edit_post(
    author: User, post: Post, *, title: str, text: str, category: str, files=(), remove=()
) -> Post:
    if post.author_id != author.pk or post.is_hidden:
        raise PermissionDenied(_("Seul l'auteur modifie son annonce."))
    title, text = _clean(title, text, category)
    files = list(files)
    remove_ids = {int(pk) for pk in remove}
    kept = post.attachments.exclude(pk__in=remove_ids).count()
    _check_count(kept, len(files))
    prepared = [prepare_file(upload) for upload in files]
    with transaction.atomic():
        removed = list(post.attachments.filter(pk__in=remove_ids))
        _delete_files_after_commit(
            [name for item in removed for name in (item.file.name, item.thumbnail.name)]
        )
        post.attachments.filter(pk__in=remove_ids).delete()
        _attach(post, prepared)
        Post.objects.filter(pk=post.pk).update(
            title=title, text=text, category=category, edited_at=timezone.now()
        )
        gazette_pagecache.post_changed(post.community_id)
    post.refresh_from_db()
    return post


@transaction.atomic
def hide_post(staff: User, post: Post, reason: str) -> Post:
    if not staff.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier masque une annonce."))
    Post.objects.filter(pk=post.pk, hidden_at__isnull=True).update(
        hidden_at=timezone.now(), hidden_by=staff, hidden_reason=(reason or "")[:300]
    )
    post.refresh_from_db()
    gazette_pagecache.post_changed(post.community_id)
    audit_log.record(staff, "post.hide", member=post.author, target=post, reason=reason or "")
    return post
