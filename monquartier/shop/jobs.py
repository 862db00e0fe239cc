"""The shop's periodic job: orders never paid expire and give their stock back."""

import logging

from monquartier.outbox import scheduler
from monquartier.outbox.scheduler import Job
from monquartier.shop import payments, services
from monquartier.shop.models import NotificationOutcome, Order

logger = logging.getLogger(__name__)

BATCH = 200


def expire_unpaid_orders(period: str) -> str:
    expired = 0
    # The aggregator is asked about each order first (a notification may have been lost);
    # once it does not answer, the run stops asking: one timeout per run, not per order.
    reachable = True
    # Each order in its own transactions: a bad row does not stop the others.
    for order in Order.objects.due_to_expire().order_by("expires_at")[:BATCH]:
        try:
            if reachable:
                try:
                    if services.check_order_payment(order) == NotificationOutcome.CONFIRMED:
                        continue
                except payments.PaymentUnavailable:
                    reachable = False
            expired += services.expire_order(order)
        except Exception:
            logger.exception("Order %s could not be expired", order.pk)
    return f"{expired} orders expired"


def register() -> None:
    scheduler.register(Job("expire_unpaid_orders", expire_unpaid_orders, every_minute=True))
