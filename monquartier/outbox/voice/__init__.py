"""Voice alerts: a phone call that reads an alert aloud.

The sender asks the voice provider to call (backends here); once the member answers, the
provider fetches our XML instructions from the callback URL (webhooks.py, calls.py), plays
the audio we generated with espeak-ng (audio.py) and sends back the keys pressed and the
call's final status, which update the outbox row and the counted call (VoiceCall).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Spoken:
    """What a call says, told by the app whose row it carries (outbox/sources.py)."""

    # The audio's cache key: one file per (row carried, language), e.g. "alert-12-fr".
    key: str
    text: str
    language: str
    # For the daily caps and the counted calls.
    community_id: int | None = None


@dataclass(frozen=True)
class CallRequest:
    to: str  # E.164
    reference: str  # our delivery id, handed to the provider as clientRequestId
    text: str = ""  # what the call will say (the development outbox shows it)


@dataclass(frozen=True)
class CallQueued:
    session_id: str


@dataclass(frozen=True)
class CallRefused:
    detail: str
    permanent: bool


class BaseVoiceBackend:
    def __init__(self, **options):
        self.options = options

    def request_calls(self, calls: list[CallRequest]) -> list[CallQueued | CallRefused]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend holds (an HTTP session)."""


def get_voice_backend(**options) -> BaseVoiceBackend | None:
    """The configured backend, or None when voice calls are not configured."""
    path = settings.VOICE_BACKEND
    if not path:
        return None
    backend_class = import_string(path)
    return backend_class(**options)
