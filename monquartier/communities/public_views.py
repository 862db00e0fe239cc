"""The public side: the directory of communities by commune and each community's
opt-in public page. Nothing here shows a member's data except, on a public page, the
name of its référents under the pseudonym rules and a photo they chose to show."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control

from monquartier.communities import privacy
from monquartier.communities.models import Community, Membership
from monquartier.places.models import Commune

COMMUNITIES_PER_PAGE = 40


@login_not_required
@cache_control(public=True, max_age=300)
def communes(request):
    rows = Commune.objects.annotate(
        community_count=Count("communities"), first_created=Min("communities__created_at")
    ).order_by("district", "name")
    districts: dict[str, list] = {}
    for commune in rows:
        districts.setdefault(commune.district, []).append(commune)
    # Abidjan first: most members live there.
    ordered = sorted(districts.items(), key=lambda item: (item[0] != "Abidjan", item[0]))
    return render(request, "communities/public/communes.html", {"districts": ordered})


@login_not_required
@cache_control(public=True, max_age=300)
def commune(request, slug: str):
    commune = get_object_or_404(Commune, slug=slug)
    communities = commune.communities.with_member_count().order_by("name")
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    areas = [
        {
            "name": community.name,
            "area": community.area,
            "url": reverse("public:community", args=[commune.slug, community.pk])
            if community.public_page
            else None,
            "highlight": False,
        }
        for community in page
    ]
    return render(
        request,
        "communities/public/commune.html",
        {
            "commune": commune,
            "page": page,
            "map_context": {
                "areas": areas,
                "pins": [],
                "centre": [commune.latitude, commune.longitude],
            },
        },
    )


def public_community(community_id: int, slug: str | None = None) -> Community:
    """A community whose public page is on (a référent opted in), or 404: a community
    without one is not even said to exist."""
    communities = Community.objects.with_member_count().select_related("commune")
    if slug is not None:
        communities = communities.filter(commune__slug=slug)
    community = get_object_or_404(communities, pk=community_id)
    if not community.public_page:
        raise Http404
    return community


def public_referents(community: Community) -> list[dict]:
    """The référents as the public page shows them: the public name, and the photo only
    for those who ticked "show my photo on the public page". The website's page and the
    API's (api/v1/public.py) both show this list."""
    return [
        {
            "name": privacy.public_name(membership.user),
            "photo_url": reverse("communities:photo", args=[membership.user_id, "thumbnail"])
            if membership.user.profile.show_photo_on_public_page
            and membership.user.profile.photo_thumbnail
            else None,
        }
        for membership in Membership.objects.referents()
        .filter(community=community)
        .select_related("user", "user__profile")
        .order_by("joined_at")
    ]


@login_not_required
@cache_control(public=True, max_age=300)
def community_page(request, slug: str, community_id: int):
    community = public_community(community_id, slug)
    return render(
        request,
        "communities/public/community.html",
        {
            "community": community,
            "referents": public_referents(community),
            "map_context": {
                "areas": [
                    {"name": community.name, "area": community.area, "url": None, "highlight": True}
                ],
                "pins": [],
                "centre": None,
            },
        },
    )
