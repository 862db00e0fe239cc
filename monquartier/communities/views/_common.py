"""What the pages of a community share: the map context, page sizes, the page context."""

from monquartier.accounts.models import Home
from monquartier.communities.models import Community

DIRECTORY_PAGE_SIZE = 30
HISTORY_PAGE_SIZE = 30
NEARBY_METRES = 3_000


def _area_context(areas, pins=(), centre=None) -> dict:
    return {"areas": list(areas), "pins": list(pins), "centre": centre}


def _area_entry(community: Community, *, highlight: bool = False, url: str | None = None) -> dict:
    return {"name": community.name, "area": community.area, "url": url, "highlight": highlight}


def _home(user) -> Home | None:
    return Home.objects.select_related("commune").filter(user=user).first()


def _page_context(community, membership, **extra) -> dict:
    return {
        "community": community,
        "membership": membership,
        "is_referent": bool(membership and membership.is_referent),
        **extra,
    }
