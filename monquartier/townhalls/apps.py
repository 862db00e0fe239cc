from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownhallsConfig(AppConfig):
    name = "monquartier.townhalls"
    label = "townhalls"
    verbose_name = _("Mairies partenaires")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: the alert fan-out
        # learns here who at the town hall, and which police stations, receive alerts.
        from monquartier.alerts import audiences
        from monquartier.townhalls import audience, receivers  # noqa: F401

        audiences.register(audience.TOWN_HALL_AUDIENCE)
        audiences.register(audience.POLICE_AUDIENCE)
