"""Public: the communes, to choose where one lives before signing up. No token needed."""

from django.db.models import Count
from django.http import HttpRequest
from ninja import Router

from monquartier.api.v1.schemas import CommuneOut
from monquartier.places.models import Commune

router = Router(tags=["public"])


@router.get("/communes", auth=None, response=list[CommuneOut], summary="Communes")
def communes(request: HttpRequest):
    """Every commune, with how many communities it has, by district then name."""
    rows = (
        Commune.objects.annotate(community_count=Count("communities"))
        .order_by("district", "name")
        .values("slug", "name", "district", "region", "latitude", "longitude", "community_count")
    )
    return [CommuneOut(**row) for row in rows]
