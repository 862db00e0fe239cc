"""Africa's Talking Voice: the call request.

POST {api}/call with the account's username, our voice number (`from`), the number to
call (`to`) and our reference (`clientRequestId`), authenticated by the `apiKey` header.
The answer lists one entry per number, with the provider's session id when the call is
queued. What the call then says is asked of our callback URL (calls.py), set for the
number in the provider's dashboard.
"""

import logging

import requests
from django.conf import settings

from monquartier.outbox.sms.base import ProviderSettings, normalise_phone, scrub_numbers
from monquartier.outbox.voice import BaseVoiceBackend, CallQueued, CallRefused, CallRequest

logger = logging.getLogger(__name__)

SANDBOX_API_URL = "https://voice.sandbox.africastalking.com/call"
TIMEOUT = (5, 15)
MAX_ANSWER_BYTES = 64 * 1024
# Entry statuses after which calling again cannot help.
PERMANENT_STATUSES = {"InvalidPhoneNumber", "DestinationNotSupported", "InvalidCallerId"}


class AfricasTalkingVoiceBackend(BaseVoiceBackend):
    provider = "africastalking"

    def __init__(self, **options):
        super().__init__(**options)
        config = ProviderSettings(options)
        self.username = config.required("username", "AFRICASTALKING_USERNAME")
        self.api_key = config.required("api_key", "AFRICASTALKING_API_KEY")
        self.caller = config.required("caller", "AFRICASTALKING_VOICE_NUMBER")
        # The "sandbox" account only exists on the sandbox API.
        self.api_url = options.get("api_url") or (
            SANDBOX_API_URL if self.username == "sandbox" else settings.AFRICASTALKING_VOICE_API_URL
        )
        self.timeout = options.get("timeout", TIMEOUT)
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def request_calls(self, calls: list[CallRequest]) -> list[CallQueued | CallRefused]:
        # One request a call: each has its own clientRequestId, which names our row.
        return [self._request(call) for call in calls]

    def _request(self, call: CallRequest) -> CallQueued | CallRefused:
        try:
            number = normalise_phone(call.to)
        except ValueError:
            return CallRefused("invalid phone number", permanent=True)
        try:
            response = self.session.post(
                self.api_url,
                data={
                    "username": self.username,
                    "from": self.caller,
                    "to": number,
                    "clientRequestId": call.reference,
                },
                headers={"apiKey": self.api_key, "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            return CallRefused(f"voice: {type(error).__name__}", permanent=False)
        if response.status_code >= 400 or len(response.content) > MAX_ANSWER_BYTES:
            detail = scrub_numbers(response.text[:200])
            return CallRefused(f"voice HTTP {response.status_code}: {detail}", permanent=False)
        try:
            answer = response.json()
            entries = answer.get("entries") or []
            entry = next(e for e in entries if isinstance(e, dict))
        except (ValueError, AttributeError, StopIteration):
            return CallRefused(
                f"voice: unreadable answer {scrub_numbers(response.text[:200])!r}",
                permanent=False,
            )
        status = str(entry.get("status", ""))
        session_id = str(entry.get("sessionId") or "")
        if status == "Queued" and session_id and session_id != "None":
            return CallQueued(session_id=session_id[:128])
        message = str(answer.get("errorMessage") or status)[:200]
        return CallRefused(
            f"voice: {status} {scrub_numbers(message)}", permanent=status in PERMANENT_STATUSES
        )
