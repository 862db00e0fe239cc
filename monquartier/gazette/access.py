"""Who sees the gazette: the community's active members (and staff). Everyone else gets a
404, the files of the posts included."""

from django.http import Http404

from monquartier.communities import privacy
from monquartier.communities.models import Membership
from monquartier.gazette.models import Attachment, Post


def get_post_for_reader(user, post_id: int) -> tuple[Post, int | None]:
    """The post and the reader's community id (None for staff)."""
    # The author's ties come with the post: privacy decides their name with no query.
    post = (
        privacy.with_communities(Post.objects.select_related("author", "community"), "author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404
    if user.is_staff:
        return post, None
    community_id = Membership.objects.active_community_id(user)
    if community_id is None or post.community_id != community_id or post.is_hidden:
        raise Http404
    return post, community_id


def get_post_for_author(user, post_id: int) -> Post:
    post, _community_id = get_post_for_reader(user, post_id)
    if post.author_id != user.pk or post.is_hidden:
        raise Http404
    return post


def get_attachment_for_reader(user, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.select_related("post").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    get_post_for_reader(user, attachment.post_id)
    return attachment
