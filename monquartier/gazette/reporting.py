"""Gazette posts as reportable content (moderation/content.py)."""

from django.urls import reverse

from monquartier.gazette.access import get_post_for_reader
from monquartier.gazette.models import Post
from monquartier.gazette.services import hide_post
from monquartier.moderation import content
from monquartier.moderation.models import ReportKind


def target_for_reporter(user, object_id: int) -> content.Target:
    post, _membership = get_post_for_reader(user, object_id)
    return content.Target(
        ReportKind.POST,
        post,
        post.author,
        post.community,
        f"{post.title} — {post.text}"[:300],
        reverse("gazette:detail", args=[post.pk]),
    )


def hide(staff, object_id: int, reason: str) -> None:
    hide_post(staff, Post.objects.get(pk=object_id), reason)


def register() -> None:
    content.register(ReportKind.POST, target_for_reporter=target_for_reporter, hide=hide)
