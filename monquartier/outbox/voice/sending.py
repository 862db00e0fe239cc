"""The voice sender: one call request per due row, within the daily caps, once the audio
exists. Each call asked for is counted (VoiceCall) in the batch's outcome; the call's
fate arrives later through the callbacks (calls.py)."""

import logging
from collections import Counter
from collections.abc import Sequence

from django.db.models import Count

from monquartier.core.flood import flood_limit, recent
from monquartier.outbox import sources
from monquartier.outbox.models import Delivery, VoiceCall
from monquartier.outbox.transports import Failed, Outcome, Sent
from monquartier.outbox.voice import CallQueued, CallRefused, CallRequest, Spoken, get_voice_backend
from monquartier.outbox.voice.audio import AudioError, audio_file

logger = logging.getLogger(__name__)

ACCOUNT_CAP, COMMUNITY_CAP = "voice_call_account", "voice_call_community"


def spoken_for(delivery: Delivery) -> Spoken:
    source, _carried = sources.of(delivery)
    if source.voice is None:
        raise ValueError(f"Delivery {delivery.pk}: {source.field} rows go by no voice call")
    return source.voice(delivery)


def _counts(field: str, ids: set[int], cap: str) -> Counter:
    rows = (
        recent(VoiceCall.objects.filter(**{f"{field}__in": ids}), cap)
        .values(field)
        .annotate(calls=Count("pk"))
        .values_list(field, "calls")
    )
    return Counter(dict(rows))


def send_voice(deliveries: list[Delivery]) -> Sequence[Outcome | None]:
    """None (skipped) for every row when no voice provider is configured."""
    backend = get_voice_backend()
    if backend is None:
        logger.warning("Voice deliveries skipped: no VOICE_BACKEND configured")
        return [None] * len(deliveries)
    spoken: dict[int, Spoken] = {}
    for delivery in deliveries:
        spoken[delivery.pk] = spoken_for(delivery)
    by_account = _counts("account", {d.user_id for d in deliveries if d.user_id}, ACCOUNT_CAP)
    by_community = _counts(
        "community",
        {s.community_id for s in spoken.values() if s.community_id is not None},
        COMMUNITY_CAP,
    )
    account_cap, community_cap = flood_limit(ACCOUNT_CAP).count, flood_limit(COMMUNITY_CAP).count
    outcomes: dict[int, Outcome] = {}
    requests: list[tuple[Delivery, CallRequest]] = []
    audio: dict[str, str] = {}
    for delivery in deliveries:
        words = spoken[delivery.pk]
        if by_account[delivery.user_id] >= account_cap:
            outcomes[delivery.pk] = Failed("daily voice call cap of the member", permanent=True)
            continue
        if words.community_id is not None and by_community[words.community_id] >= community_cap:
            outcomes[delivery.pk] = Failed("daily voice call cap of the community", permanent=True)
            continue
        try:
            if words.key not in audio:
                audio[words.key] = audio_file(words.key, words.text, words.language)
        except AudioError as error:
            logger.error("Voice audio %s could not be made: %s", words.key, error)
            outcomes[delivery.pk] = Failed(f"audio: {error}"[:500], permanent=False)
            continue
        # Counted before the answer: a request that times out may still ring.
        by_account[delivery.user_id] += 1
        if words.community_id is not None:
            by_community[words.community_id] += 1
        requests.append(
            (
                delivery,
                CallRequest(to=delivery.address, reference=str(delivery.pk), text=words.text),
            )
        )
    if requests:
        detail = ""
        results: list[CallQueued | CallRefused | None]
        try:
            results = list(backend.request_calls([request for _delivery, request in requests]))
        except Exception as error:  # a backend bug must not lose the batch: retry later
            logger.exception("Voice backend failed on a batch of %s", len(requests))
            results = [None] * len(requests)
            detail = f"backend: {error}"[:500]
        finally:
            backend.close()
        calls = []
        for (delivery, request), result in zip(requests, results, strict=True):
            if result is None:
                outcomes[delivery.pk] = Failed(detail, permanent=False)
            elif isinstance(result, CallQueued):
                outcomes[delivery.pk] = Sent(result.session_id)
                calls.append(
                    VoiceCall(
                        delivery=delivery,
                        session_id=result.session_id,
                        to=request.to,
                        account_id=delivery.user_id,
                        community_id=spoken[delivery.pk].community_id,
                    )
                )
            else:
                outcomes[delivery.pk] = Failed(result.detail[:500], permanent=result.permanent)
        VoiceCall.objects.bulk_create(calls, ignore_conflicts=True)
    capped = [o for o in outcomes.values() if isinstance(o, Failed) and "cap" in o.detail]
    if capped:
        # Money is at stake: staff read these in the logs (and the rows say why).
        logger.warning("Voice calls refused by the daily caps: %s in a batch", len(capped))
    return [outcomes[delivery.pk] for delivery in deliveries]
