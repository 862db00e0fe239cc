"""The routing backend: each SMS goes through the provider configured for the operator of
its number (SMS_ROUTES: operator → provider name, SMS_PROVIDERS: name → backend), and to
another provider while the first one's circuit breaker is open (circuit.py).

    SMS_BACKEND = "monquartier.outbox.sms.RoutingSMSBackend"
    SMS_PROVIDERS = {"orange": {"BACKEND": "…OrangeSMSBackend", "OPTIONS": {}}, …}
    SMS_ROUTES = {"orange": "orange", "mtn": "africastalking", "moov": "africastalking"}

A message that failed transiently is not re-sent at once on the other provider: a timeout
may have sent it (Africa's Talking has no idempotency key), and the outbox tries it again
after its pause anyway, by then through the other provider if the first one kept failing.
Each outcome names the provider that sent it, for the cost and the delivery reports.
"""

import dataclasses
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from monquartier.outbox.sms.base import (
    BaseSMSBackend,
    SMSError,
    SMSMessage,
    SMSSent,
    get_sms_backend,
)
from monquartier.outbox.sms.circuit import CircuitBreaker
from monquartier.outbox.sms.costs import operator_of

logger = logging.getLogger(__name__)


class RoutingSMSBackend(BaseSMSBackend):
    provider = "routing"

    def __init__(self, **options):
        super().__init__(**options)
        self.providers: dict[str, dict] = options.get("providers") or settings.SMS_PROVIDERS
        self.routes: dict[str, str] = options.get("routes") or settings.SMS_ROUTES
        if not self.providers:
            raise ImproperlyConfigured("SMS_PROVIDERS is empty: the router has nowhere to send.")
        self.default = options.get("default") or settings.SMS_DEFAULT_PROVIDER
        if self.default not in self.providers:
            self.default = next(iter(self.providers))
        for operator, name in self.routes.items():
            if name not in self.providers:
                raise ImproperlyConfigured(
                    f"SMS_ROUTES sends {operator!r} to {name!r}, which is not in SMS_PROVIDERS."
                )
        self._backends: dict[str, BaseSMSBackend] = {}
        self.breakers = {name: CircuitBreaker(name) for name in self.providers}

    def backend(self, name: str) -> BaseSMSBackend:
        if name not in self._backends:
            config = self.providers[name]
            self._backends[name] = get_sms_backend(config["BACKEND"], **config.get("OPTIONS", {}))
        return self._backends[name]

    def close(self) -> None:
        for backend in self._backends.values():
            close = getattr(backend, "close", None)
            if close is not None:
                close()

    def chain(self, operator: str) -> list[str]:
        """The providers for an operator, in order of preference."""
        first = self.routes.get(operator, self.default)
        return [first, *(name for name in self.providers if name != first)]

    def send_messages(self, messages: Sequence[SMSMessage]) -> list[SMSSent | SMSError]:
        outcomes: list[SMSSent | SMSError | None] = [None] * len(messages)
        allowed: dict[str, bool] = {}  # one look at each circuit a batch (and one trial)

        def available(name: str) -> bool:
            if name not in allowed:
                allowed[name] = self.breakers[name].allow()
            return allowed[name]

        groups: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            try:
                operator = operator_of(message.to)
            except ValueError:
                outcomes[index] = SMSError("invalid phone number", permanent=True, message=message)
                continue
            chosen = next((name for name in self.chain(operator) if available(name)), None)
            if chosen is None:
                outcomes[index] = SMSError(
                    "every SMS provider is failing (circuits open)",
                    permanent=False,
                    message=message,
                )
                continue
            groups.setdefault(chosen, []).append(index)
        for name, indexes in groups.items():
            results = self._send_through(name, [messages[index] for index in indexes])
            for index, result in zip(indexes, results, strict=True):
                outcomes[index] = result
        return [outcome for outcome in outcomes if outcome is not None]

    def _send_through(self, name: str, batch: list[SMSMessage]) -> list[SMSSent | SMSError]:
        try:
            results = list(self.backend(name).send_messages(batch))
        except Exception:
            # A provider left unconfigured (ImproperlyConfigured) or a bug in its backend
            # counts as its failure: its circuit opens and the others take its share.
            logger.exception("SMS provider %s raised on a batch of %s", name, len(batch))
            results = [
                SMSError(f"{name}: unexpected error", permanent=False, message=message)
                for message in batch
            ]
        if len(results) != len(batch):
            raise RuntimeError(f"SMS provider {name} answered {len(results)} for {len(batch)}")
        breaker = self.breakers[name]
        if any(isinstance(result, SMSSent) for result in results):
            breaker.record_success()
        elif all(isinstance(r, SMSError) and not r.permanent for r in results):
            # Nothing went and nothing was refused for good: the provider is the problem.
            breaker.record_failure()
        return [
            dataclasses.replace(result, provider=name) if isinstance(result, SMSSent) else result
            for result in results
        ]
