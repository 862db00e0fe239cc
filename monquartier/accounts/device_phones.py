"""Changing the mobile from an app: allauth's phone verification, as on the website's
"Changer de mobile" page, with its state kept per signed-in device instead of in the
session (an app has none).

The same code (its length, its 10 minutes, its 5 attempts), the same SMS through the
outbox (AccountAdapter.send_verification_code_sms, capped per account and per number),
the same limits (ACCOUNT_RATE_LIMITS "verify_phone", shared with the website through the
cache), and the same rule: the new number replaces the verified one only once its code
is typed (AccountAdapter.set_phone_verified). The state lives in the cache, which the
processes share in production (settings.CACHES, as the rate limits need).
"""

from allauth.account.internal.flows.phone_verification import PhoneVerificationProcess
from django.core.cache import cache

from monquartier.accounts.models import DeviceToken

_KEY = "accounts:device-phone-verification:{}"


class DevicePhoneVerification(PhoneVerificationProcess):
    def __init__(self, token: DeviceToken, state: dict) -> None:
        self.token = token
        super().__init__(user=token.user, state=state)

    @property
    def _key(self) -> str:
        return _KEY.format(self.token.pk)

    def persist(self) -> None:
        cache.set(self._key, self.state, timeout=self.timeout)

    def abort(self) -> None:
        cache.delete(self._key)

    def finish(self) -> None:
        super().finish()
        cache.delete(self._key)

    @property
    def expires_at(self) -> float:
        return self.state["at"] + self.timeout

    @property
    def attempts_left(self) -> int:
        return self.max_attempts - self.state["failed_attempts"]

    @classmethod
    def initiate(cls, token: DeviceToken, phone: str) -> "DevicePhoneVerification":
        """Send a code to `phone` (raises allauth's RateLimited past "verify_phone"). The
        caller has checked the password in this request and validated the number."""
        process = cls(token, cls.initial_state(user=token.user, phone=phone))
        process.send()
        return process

    @classmethod
    def resume(cls, token: DeviceToken) -> "DevicePhoneVerification | None":
        state = cache.get(_KEY.format(token.pk))
        if not state:
            return None
        return cls(token, state).abort_if_invalid()
