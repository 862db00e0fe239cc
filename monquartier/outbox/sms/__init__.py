from monquartier.outbox.sms.africastalking import AfricasTalkingSMSBackend
from monquartier.outbox.sms.base import (
    BaseSMSBackend,
    DeliveryReport,
    InboundMessage,
    SMSError,
    SMSMessage,
    SMSSent,
    WebhookError,
    get_sms_backend,
    send_sms,
)
from monquartier.outbox.sms.dev import (
    ConsoleSMSBackend,
    DevOutboxSMSBackend,
    LocmemSMSBackend,
)
from monquartier.outbox.sms.gsm7 import fit_sms, gsm7_length, is_gsm7, segments, to_gsm7
from monquartier.outbox.sms.orange import OrangeSMSBackend
from monquartier.outbox.sms.routing import RoutingSMSBackend
from monquartier.outbox.sms.webhooks import PROVIDERS

__all__ = [
    "PROVIDERS",
    "AfricasTalkingSMSBackend",
    "BaseSMSBackend",
    "ConsoleSMSBackend",
    "DeliveryReport",
    "DevOutboxSMSBackend",
    "InboundMessage",
    "LocmemSMSBackend",
    "OrangeSMSBackend",
    "RoutingSMSBackend",
    "SMSError",
    "SMSMessage",
    "SMSSent",
    "WebhookError",
    "fit_sms",
    "get_sms_backend",
    "gsm7_length",
    "is_gsm7",
    "segments",
    "send_sms",
    "to_gsm7",
]
