from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownhallsConfig(AppConfig):
    name = "monquartier.townhalls"
    label = "townhalls"
    verbose_name = _("Mairies partenaires")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: the alert fan-out
        # learns here who at the town hall, and which police stations, receive alerts;
        # communities what the commune decides for them; notifications what the town
        # hall's messages say; the outbox how to send an announcement; the alert list
        # where to find the ones for a community; the shop which communes lend their coat
        # of arms to its signs, and which signage requests wait to become its orders.
        from monquartier.accounts import exports
        from monquartier.alerts import audiences, feeds
        from monquartier.communities import commune_rules
        from monquartier.notifications import events as notification_events
        from monquartier.outbox import sources
        from monquartier.shop import personalisation
        from monquartier.shop import requests as shop_requests
        from monquartier.townhalls import (  # noqa: F401
            announcements,
            audience,
            events,
            jobs,
            outbox,
            pagecache,
            receivers,
            shop,
            signage,
            validation,
        )
        from monquartier.townhalls import exports as my_data

        audiences.register(audience.TOWN_HALL_AUDIENCE)
        audiences.register(audience.POLICE_AUDIENCE)
        commune_rules.register_mode_source(validation.commune_mode)
        commune_rules.register_authority(validation.acts_for_commune)
        commune_rules.register_deciders(validation.deciders)
        notification_events.register(events.texts)
        sources.register(outbox.SOURCE)
        feeds.register(announcements.FEED)
        personalisation.register_coat_of_arms(shop.lends_coat_of_arms)
        shop_requests.register(signage.REQUESTS)
        exports.register("town_hall", my_data.town_hall)
        jobs.register()
        pagecache.connect()
