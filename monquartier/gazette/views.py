from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.communities import pagecache, privacy
from monquartier.communities.access import open_membership
from monquartier.communities.models import Membership
from monquartier.core.pagecache import cached_page
from monquartier.gazette import access, services
from monquartier.gazette.files import attachment_response
from monquartier.gazette.forms import EditPostForm, HidePostForm, PostForm
from monquartier.gazette.models import Attachment, AttachmentKind, Post

POSTS_PER_PAGE = 15


@cached_page(pagecache.member_page)
def post_list(request):
    community_id = Membership.objects.active_community_id(request.user)
    if community_id is None:
        membership = open_membership(request.user)
        raise PermissionDenied(
            _("Vous verrez la gazette dès que votre demande d'adhésion sera acceptée.")
            if membership
            else _("Rejoignez la communauté de votre quartier pour lire sa gazette.")
        )
    posts = privacy.with_communities(
        Post.objects.visible()
        .filter(community_id=community_id)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("position", "id"))
        ),
        "author",
    )
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    privacy.name_people(privacy.Viewpoint.of_member(request.user, community_id), page, "author")
    return render(request, "gazette/list.html", {"page": page})


def create(request):
    if Membership.objects.active_community_id(request.user) is None:
        raise PermissionDenied(_("Seuls les membres d'une communauté écrivent dans sa gazette."))
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.create_post(
                request.user,
                title=data["title"],
                text=data["text"],
                category=data["category"],
                files=data["files"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre annonce est publiée."))
            return redirect("gazette:detail", post.pk)
    return render(request, "gazette/form.html", {"form": form}, status=400 if form.errors else 200)


@cached_page(pagecache.member_page)
def detail(request, post_id: int):
    post, community_id = access.get_post_for_reader(request.user, post_id)
    privacy.name_people(privacy.Viewpoint.of_member(request.user, community_id), [post], "author")
    attachments = list(post.attachments.all())
    return render(
        request,
        "gazette/detail.html",
        {
            "post": post,
            "photos": [item for item in attachments if item.kind == AttachmentKind.PHOTO],
            "documents": [item for item in attachments if item.kind == AttachmentKind.PDF],
            "hide_form": HidePostForm() if request.user.is_staff else None,
        },
    )


def edit(request, post_id: int):
    post = access.get_post_for_author(request.user, post_id)
    attachments = list(post.attachments.all())
    initial = {"title": post.title, "text": post.text, "category": post.category}
    form = EditPostForm(
        request.POST or None, request.FILES or None, initial=initial, attachments=attachments
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_post(
                request.user,
                post,
                title=data["title"],
                text=data["text"],
                category=data["category"],
                files=data["files"],
                remove=data.get("remove", []),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre annonce est modifiée."))
            return redirect("gazette:detail", post.pk)
    return render(
        request,
        "gazette/form.html",
        {"form": form, "post": post},
        status=400 if form.errors else 200,
    )


@require_POST
def hide(request, post_id: int):
    post, _community_id = access.get_post_for_reader(request.user, post_id)
    form = HidePostForm(request.POST)
    if not request.user.is_staff:
        raise PermissionDenied
    if form.is_valid():
        services.hide_post(request.user, post, form.cleaned_data["reason"])
        messages.success(request, _("L'annonce est masquée."))
    return redirect("gazette:detail", post.pk)


def attachment_file(request, attachment_id: int, size: str):
    attachment = access.get_attachment_for_reader(request.user, attachment_id)
    return attachment_response(attachment, thumbnail=size == "vignette")
