"""The member's gazette posts and their attachments, for their download
(accounts/exports.py)."""

from typing import Any

from monquartier.gazette.models import Attachment, Post


def posts(user) -> list[Any]:
    rows = (
        Post.objects.filter(author=user)
        .select_related("community")
        .prefetch_related("attachments")
        .order_by("created_at")
    )
    return [
        {
            "community": post.community.name,
            "category": post.category,
            "title": post.title,
            "text": post.text,
            "created_at": post.created_at,
            "edited_at": post.edited_at,
            "hidden_by_moderation": post.hidden_at is not None,
            "attachments": [
                {
                    "file": attachment.file.name.rsplit("/", 1)[-1],
                    "original_name": attachment.original_name,
                }
                for attachment in post.attachments.all()
            ],
        }
        for post in rows
    ]


def attachment_files(user) -> list[str]:
    return list(
        Attachment.objects.filter(post__author=user).order_by("id").values_list("file", flat=True)
    )
