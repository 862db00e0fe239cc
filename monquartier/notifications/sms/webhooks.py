"""Which backend reads a provider's webhooks.

The views that expose the webhooks authenticate the request, then call
provider_backend(name).parse_inbound(request) or .parse_delivery_reports(request), and
answer 400 on WebhookError (a malformed body of any kind raises nothing else).
"""

from django.http import HttpRequest

from monquartier.notifications.sms.africastalking import AfricasTalkingSMSBackend
from monquartier.notifications.sms.base import (
    BaseSMSBackend,
    DeliveryReport,
    InboundMessage,
    WebhookError,
)
from monquartier.notifications.sms.orange import OrangeSMSBackend

PROVIDERS: dict[str, type[BaseSMSBackend]] = {
    "orange": OrangeSMSBackend,
    "africastalking": AfricasTalkingSMSBackend,
}


class UnknownProvider(WebhookError, KeyError):
    """Both a WebhookError (for views) and a KeyError (it is a failed look-up)."""

    def __str__(self) -> str:
        # KeyError would quote its message.
        return str(self.args[0]) if self.args else ""


def provider_backend(name: str) -> type[BaseSMSBackend]:
    try:
        return PROVIDERS[name]
    except (KeyError, TypeError):
        raise UnknownProvider(f"unknown SMS provider {name!r}") from None


def parse_inbound(name: str, request: HttpRequest) -> list[InboundMessage]:
    return provider_backend(name).parse_inbound(request)


def parse_delivery_reports(name: str, request: HttpRequest) -> list[DeliveryReport]:
    return provider_backend(name).parse_delivery_reports(request)
