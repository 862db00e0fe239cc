"""The map of an alert's place, as the area-map script reads it (the member's alert page
and the town hall's console show the same pin)."""

from django.utils.translation import gettext as _

from monquartier.alerts.models import Alert


def place_map(alert: Alert) -> dict | None:
    if alert.latitude is None:
        return None
    return {
        "areas": [],
        "pins": [{"lat": alert.latitude, "lng": alert.longitude, "label": _("Lieu de l'incident")}],
        "centre": [alert.latitude, alert.longitude],
    }
