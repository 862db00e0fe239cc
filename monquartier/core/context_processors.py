from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        "MAP_TILES_ATTRIBUTION": settings.MAP_TILES_ATTRIBUTION,
        # The shop is optional (no payment contract): its links are hidden when it is off.
        "SHOP_ENABLED": settings.SHOP_ENABLED,
    }
