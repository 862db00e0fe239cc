import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "monquartier.shop"
    label = "shop"
    verbose_name = _("Boutique")

    def ready(self) -> None:
        # Django's place for wiring an app into the apps below it: the outbox learns here
        # how to tell a customer about their order, the scheduler the expiry job, the
        # member's data export what the shop holds.
        from monquartier.accounts import exports as my_data
        from monquartier.outbox import sources
        from monquartier.shop import exports, jobs, outbox

        sources.register(outbox.SOURCE)
        jobs.register()
        my_data.register("shop_orders", exports.orders)
        if not settings.SHOP_ENABLED:
            logging.getLogger(__name__).warning(
                "The shop is off (SHOP_ENABLED=0, or no SHOP_PAYMENT_* keys): its pages "
                "answer 404, its links are hidden, town halls' signage requests stay requests."
            )
