"""A member's photo: privacy decides who sees it, so the view lives beside it rather than
with the profile that stores it."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from monquartier.accounts.models import User
from monquartier.communities import privacy
from monquartier.core.protected_media import serve_protected_file


@login_not_required  # a référent's photo may be on a public page; privacy decides
def member_photo(request, user_id: int, size: str):
    if size not in ("full", "thumbnail"):
        raise Http404
    member = get_object_or_404(User.objects.select_related("profile"), pk=user_id)
    if not privacy.can_see_photo(request.user, member):
        raise Http404
    profile = member.profile
    return serve_protected_file(
        profile.photo.name if size == "full" else profile.photo_thumbnail.name
    )
