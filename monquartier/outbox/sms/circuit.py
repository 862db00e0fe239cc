"""A circuit breaker per SMS provider, kept in Django's cache so that every worker process
sees the same state (Redis or the database cache in production, settings.py insists).

Closed: messages go to the provider; each batch that fails as a whole (the gateway
answered 5xx, timed out, could not be reached) is counted in a window of
SMS_CIRCUIT_WINDOW_SECONDS. SMS_CIRCUIT_FAILURES such batches in one window open the
circuit for SMS_CIRCUIT_OPEN_SECONDS: the router sends to the other provider. Then one
worker, and one only, gets a trial batch: a success closes the circuit, a failure opens it
again for the same time.

A window is fixed (failures counted per window of time, by the window's number), which
costs one atomic increment a failure and no read-modify-write races between workers.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failures: int | None = None,
        window: int | None = None,
        open_for: int | None = None,
    ):
        self.name = name
        self.failures = failures or settings.SMS_CIRCUIT_FAILURES
        self.window = window or settings.SMS_CIRCUIT_WINDOW_SECONDS
        self.open_for = open_for or settings.SMS_CIRCUIT_OPEN_SECONDS
        prefix = f"sms:circuit:{name}"
        self._opened_key = f"{prefix}:opened-until"
        self._trial_key = f"{prefix}:trial"
        self._count_prefix = f"{prefix}:failures"

    def _count_key(self, now: float) -> str:
        return f"{self._count_prefix}:{int(now // self.window)}"

    def _opened_until(self) -> float | None:
        value = cache.get(self._opened_key)
        return float(value) if isinstance(value, int | float) else None

    def state(self) -> str:
        until = self._opened_until()
        if until is None:
            return CLOSED
        return OPEN if time.time() < until else HALF_OPEN

    def allow(self) -> bool:
        """May a batch go to this provider now? While half-open, True for one caller only
        (the trial) until it reports; the trial's claim lapses after a window, in case its
        worker died without a word."""
        state = self.state()
        if state == CLOSED:
            return True
        if state == OPEN:
            return False
        return cache.add(self._trial_key, 1, timeout=self.window)

    def record_success(self) -> None:
        if self._opened_until() is not None:
            logger.info("SMS provider %s answers again: circuit closed", self.name)
        cache.delete_many([self._opened_key, self._trial_key, self._count_key(time.time())])

    def record_failure(self) -> None:
        now = time.time()
        if self._opened_until() is not None:
            # The trial failed (or a batch that left before the circuit opened): open again.
            self._open(now)
            return
        key = self._count_key(now)
        # add then incr: atomic on Redis and the database cache; the key outlives its window.
        cache.add(key, 0, timeout=self.window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=self.window * 2)
            count = 1
        if count >= self.failures:
            self._open(now)

    def _open(self, now: float) -> None:
        logger.warning(
            "SMS provider %s keeps failing: circuit open for %s s", self.name, self.open_for
        )
        # Kept well past the opening, so that its end is seen as half-open, not closed.
        cache.set(self._opened_key, now + self.open_for, timeout=self.open_for + 86400)
        cache.delete(self._trial_key)

    def reset(self) -> None:
        cache.delete_many([self._opened_key, self._trial_key, self._count_key(time.time())])
