"""The gazette: the posts of the member's community as the website lists them, one post,
writing one (with photos and PDFs sent as multipart/form-data), editing one's own, and
reporting one. Same fetchers (gazette/access.py) and services (gazette/services.py,
moderation/services.py) as the website; the author's name from the privacy module."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.decorators import decorate_view
from pydantic import Field

from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.http import refuse_repeated_fields
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    AttachmentOut,
    Error,
    Input,
    PostOut,
    PostPage,
    PostPatch,
    ReportIn,
    ReportOut,
)
from monquartier.communities import privacy
from monquartier.communities.access import open_membership
from monquartier.communities.models import Membership
from monquartier.gazette import access, services
from monquartier.gazette.files import attachment_response
from monquartier.gazette.models import Attachment, AttachmentKind, Post, PostCategory
from monquartier.gazette.services import TEXT_MAX, TITLE_MAX
from monquartier.moderation import services as moderation
from monquartier.moderation.models import ReportKind

router = Router(tags=["gazette"])

POSTS_PER_PAGE = 15  # as the website's list


def _file_url(attachment: Attachment, size: str) -> str:
    return reverse("api-v1:gazette_file", kwargs={"attachment_id": attachment.pk, "size": size})


def _post_out(post: Post, user) -> PostOut:
    return PostOut(
        id=post.pk,
        category=post.category,
        category_label=str(post.get_category_display()),
        title=post.title,
        text=post.text,
        created_at=post.created_at,
        edited_at=post.edited_at,
        author_name=post.author_name,  # type: ignore[attr-defined]  # privacy.name_people
        is_author=post.author_id == user.pk,
        attachments=[
            AttachmentOut(
                id=item.pk,
                kind=AttachmentKind(item.kind),
                name=item.original_name,
                size=item.size,
                width=item.width,
                height=item.height,
                file=_file_url(item, "original"),
                thumbnail=_file_url(item, "thumbnail") if item.thumbnail else None,
            )
            for item in post.attachments.all()
        ],
    )


def _readable(user, post_id: int) -> Post:
    post, community_id = access.get_post_for_reader(user, post_id)
    privacy.name_people(privacy.Viewpoint.of_member(user, community_id), [post], "author")
    return post


def _member_community(user) -> int:
    community_id = Membership.objects.active_community_id(user)
    if community_id is None:
        raise ApiError(
            403,
            "not_a_member",
            _("Vous verrez la gazette dès que votre demande d'adhésion sera acceptée.")
            if open_membership(user)
            else _("Rejoignez la communauté de votre quartier pour lire sa gazette."),
        )
    return community_id


def _too_large(error: ValidationError) -> ValidationError:
    """A file over its size limit is a 413, like a body over the API's."""
    if any(leaf.code == "too_large" for leaf in _leaves(error)):
        raise ApiError(413, "too_large", " ".join(error.messages), {"files": error.messages})
    return error


def _leaves(error: ValidationError) -> list[ValidationError]:
    if hasattr(error, "error_dict"):
        return [leaf for items in error.error_dict.values() for leaf in items]
    return list(getattr(error, "error_list", [error]))


@router.get(
    "/gazette", response={200: PostPage, 401: Error, 403: Error, 422: Error}, summary="Gazette"
)
def post_list(request: HttpRequest, params: Query[ListParams]):
    """The posts of the member's community, newest first, 15 a page with their attachments;
    `next_cursor` fetches the next page."""
    cursors.refuse_unknown(request, set(ListParams.model_fields))
    user = signed_in(request)
    community_id = _member_community(user)
    posts = privacy.with_communities(
        Post.objects.visible()
        .filter(community_id=community_id)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id"),
        "author",
    )
    if params.cursor:
        created_at, pk = cursors.decode_moment(params.cursor)
        posts = posts.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    page = list(posts[: POSTS_PER_PAGE + 1])
    more = len(page) > POSTS_PER_PAGE
    page = page[:POSTS_PER_PAGE]
    privacy.name_people(privacy.Viewpoint.of_member(user, community_id), page, "author")
    return PostPage(
        items=[_post_out(post, user) for post in page],
        next_cursor=cursors.moment(page[-1]) if more else None,
    )


@router.get(
    "/gazette/{id:post_id}", response={200: PostOut, 401: Error, 404: Error}, summary="One post"
)
def post_detail(request: HttpRequest, post_id: int):
    """One post of the member's community, with its attachments."""
    user = signed_in(request)
    return _post_out(_readable(user, post_id), user)


class PostForm(Input):
    category: PostCategory
    title: str = Field(max_length=TITLE_MAX * 2)  # cleaned (spaces), then counted
    text: str = Field(max_length=TEXT_MAX * 2)


@router.post(
    "/gazette",
    response={
        201: PostOut,
        401: Error,
        403: Error,
        409: Error,
        413: Error,
        422: Error,
        429: Error,
    },
    summary="Write a post",
)
@decorate_view(idempotent)
def create_post(
    request: HttpRequest,
    form: Form[PostForm],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """A post in the member's community's gazette, sent as `multipart/form-data`: the
    fields, and up to 6 `files` (photos JPEG, PNG or WebP of 10 MB at most, re-encoded
    without their metadata; PDFs of 5 MB at most, without scripts). A file too large is a
    413. Send an `Idempotency-Key` header so that a repeat publishes nothing twice."""
    user = signed_in(request)
    refuse_repeated_fields(request, lists=("files",))
    try:
        post = services.create_post(
            user, title=form.title, text=form.text, category=form.category, files=files or []
        )
    except ValidationError as error:
        raise _too_large(error) from None
    return Status(201, _post_out(_readable(user, post.pk), user))


@router.patch(
    "/gazette/{id:post_id}",
    response={200: PostOut, 401: Error, 403: Error, 404: Error, 422: Error},
    summary="Edit one's post",
)
def edit_post(request: HttpRequest, post_id: int, payload: PostPatch):
    """The author changes the title, text or section of their post, or takes attachments
    away (`remove`: their ids). Fields left out keep their value."""
    user = signed_in(request)
    post = access.get_post_for_author(user, post_id)
    attachment_ids = set(post.attachments.values_list("pk", flat=True))
    strangers = set(payload.remove) - attachment_ids
    if strangers:
        raise ApiError(
            422,
            "invalid",
            _("Cette pièce jointe n'appartient pas à l'annonce."),
            {"remove": [_("Cette pièce jointe n'appartient pas à l'annonce.")]},
        )
    services.edit_post(
        user,
        post,
        title=post.title if payload.title is None else payload.title,
        text=post.text if payload.text is None else payload.text,
        category=post.category if payload.category is None else payload.category,
        remove=payload.remove,
    )
    return _post_out(_readable(user, post.pk), user)


@router.post(
    "/gazette/{id:post_id}/attachments",
    response={200: PostOut, 401: Error, 404: Error, 409: Error, 413: Error, 422: Error},
    summary="Add files to one's post",
)
@decorate_view(idempotent)
def add_attachments(
    request: HttpRequest,
    post_id: int,
    files: File[list[UploadedFile]],
):
    """The author adds photos or PDFs to their post (`multipart/form-data`, `files`),
    checked as when writing it; 6 attachments a post at most."""
    user = signed_in(request)
    post = access.get_post_for_author(user, post_id)
    try:
        services.edit_post(
            user, post, title=post.title, text=post.text, category=post.category, files=files
        )
    except ValidationError as error:
        raise _too_large(error) from None
    return _post_out(_readable(user, post.pk), user)


@router.post(
    "/gazette/{id:post_id}/report",
    response={201: ReportOut, 401: Error, 404: Error, 409: Error, 422: Error},
    summary="Report a post",
)
@decorate_view(idempotent)
def report_post(request: HttpRequest, post_id: int, payload: ReportIn):
    """Tell the moderation team about a post (not one's own). A second report of the same
    post by the same member is refused (422, the team already has it)."""
    user = signed_in(request)
    access.get_post_for_reader(user, post_id)
    report = moderation.report(
        user, ReportKind.POST, post_id, reason=payload.reason, details=payload.details
    )
    return Status(201, ReportOut(id=report.pk, status=report.status))


@router.get(
    "/gazette/files/{id:attachment_id}/{size}",
    response={200: None, 401: Error, 404: Error},
    url_name="gazette_file",
    summary="An attachment's file",
)
def attachment_file(request: HttpRequest, attachment_id: int, size: str):
    """A photo (JPEG) or a PDF of a post, for the readers of the post. `size` is
    `original` or `thumbnail` (a photo's small square)."""
    if size not in {"original", "thumbnail"}:
        raise ApiError(404, "not_found", _("Introuvable, ou vous n'y avez pas accès."))
    attachment = access.get_attachment_for_reader(signed_in(request), attachment_id)
    return attachment_response(attachment, thumbnail=size == "thumbnail")
