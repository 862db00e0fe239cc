"""What the gazette's changes do to the cached pages (core/pagecache.py): a post and its
attachments are on its community's pages only."""

from monquartier.core import pagecache
from monquartier.gazette.models import Attachment, Post


def post_changed(community_id: int) -> None:
    pagecache.bump(pagecache.community(community_id))


def _post(sender, instance, **kwargs):
    post_changed(instance.community_id)


def _attachment(sender, instance, **kwargs):
    community_id = Post.objects.filter(pk=instance.post_id).values_list("community_id", flat=True)
    for found in community_id:
        post_changed(found)


def connect() -> None:
    pagecache.connect({Post: _post, Attachment: _attachment})
