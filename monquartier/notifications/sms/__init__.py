from monquartier.notifications.sms.base import (
    BaseSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
    send_sms,
)
from monquartier.notifications.sms.dev import (
    ConsoleSMSBackend,
    DevOutboxSMSBackend,
    LocmemSMSBackend,
)

__all__ = [
    "BaseSMSBackend",
    "ConsoleSMSBackend",
    "DevOutboxSMSBackend",
    "LocmemSMSBackend",
    "SMSError",
    "SMSMessage",
    "SMSSent",
    "get_sms_backend",
    "send_sms",
]
