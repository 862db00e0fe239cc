"""Which backend reads a provider's webhooks: the views (outbox/webhooks.py) look
the provider of the URL up here, and answer 404 for a name that is not in it."""

from monquartier.outbox.sms.africastalking import AfricasTalkingSMSBackend
from monquartier.outbox.sms.base import BaseSMSBackend
from monquartier.outbox.sms.orange import OrangeSMSBackend

PROVIDERS: dict[str, type[BaseSMSBackend]] = {
    "orange": OrangeSMSBackend,
    "africastalking": AfricasTalkingSMSBackend,
}
