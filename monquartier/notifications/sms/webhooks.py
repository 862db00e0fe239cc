"""Which backend reads a provider's webhooks: the views (notifications/webhooks.py) look
the provider of the URL up here, and answer 404 for a name that is not in it."""

from monquartier.notifications.sms.africastalking import AfricasTalkingSMSBackend
from monquartier.notifications.sms.base import BaseSMSBackend
from monquartier.notifications.sms.orange import OrangeSMSBackend

PROVIDERS: dict[str, type[BaseSMSBackend]] = {
    "orange": OrangeSMSBackend,
    "africastalking": AfricasTalkingSMSBackend,
}
