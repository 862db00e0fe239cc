"""The voice provider's callbacks: the call's instructions and end, and our audio.

The callback URL carries a secret (VOICE_WEBHOOK_SECRET), as the SMS webhooks do: the
provider signs nothing. A wrong secret, or a session id we never asked for, is refused
and logged; a malformed call gets a 400 and changes nothing; none is ever a 500.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from monquartier.core.protected_media import serve_protected_file
from monquartier.outbox.models import VoiceCall
from monquartier.outbox.voice import calls
from monquartier.outbox.voice.audio import AudioError

logger = logging.getLogger(__name__)

MAX_FIELD = 128


def _field(request, name: str) -> str:
    return str(request.POST.get(name, ""))[:MAX_FIELD]


def _xml(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/xml; charset=utf-8")


@csrf_exempt
@login_not_required
@require_POST
def callback(request, secret: str):
    expected = settings.VOICE_WEBHOOK_SECRET
    if not expected or not constant_time_compare(secret, expected):
        logger.warning(
            "Voice callback refused: wrong secret (from %s)", request.META.get("REMOTE_ADDR")
        )
        return HttpResponse(status=403)
    session_id = _field(request, "sessionId").strip()
    if not session_id:
        return HttpResponse("sessionId is required", status=400, content_type="text/plain")
    call = VoiceCall.objects.select_related("delivery").filter(session_id=session_id).first()
    if call is None:
        logger.warning(
            "Voice callback refused: unknown session %r (from %s)",
            session_id[:40],
            request.META.get("REMOTE_ADDR"),
        )
        return HttpResponse("unknown session", status=404, content_type="text/plain")
    if _field(request, "isActive") == "0":
        calls.finish(
            call,
            calls.Ending(
                status=_field(request, "status"),
                duration=_field(request, "durationInSeconds"),
                amount=_field(request, "amount"),
                currency=_field(request, "currencyCode"),
                cause=_field(request, "hangupCause"),
            ),
        )
        return HttpResponse("", content_type="text/plain")
    digits = "".join(c for c in _field(request, "dtmfDigits") if c.isdigit() or c in "*#")
    try:
        answer = calls.answer(call, digits)
    except AudioError:
        logger.exception("Voice call %s: no audio to play", call.pk)
        return _xml(calls.hang_up())
    return _xml(answer.xml)


@login_not_required
@require_GET
def audio(request, token: str):
    """The audio the provider plays, named by a signed, expiring token."""
    name = calls.audio_name(token)
    if name is None:
        raise Http404
    return serve_protected_file(name, max_age=3600)
