"""Voice benchmark: how long an alert's call audio takes to make (issue 15, benchmark).

Times `outbox.voice.audio.synthesise` (espeak-ng, then our 8 kHz resampling) on the words
of real alerts as `alerts/voice.spoken_text` builds them, each text new (nothing cached),
and reports the p50 and p99 per alert with the audio's length and size. It needs no
database rows: the alert is built in memory. A call waits for this once per alert and
language; every member called after shares the file.
"""

import argparse
import statistics
import time
from types import SimpleNamespace
from typing import Any

from bench.lib.figures import figure
from monquartier.outbox.voice.audio import RATE, espeak_available, synthesise

TEXTS = [
    "Deux hommes sur une moto sans plaque tournent dans l'allée depuis vingt minutes.",
    "Tentative de cambriolage cette nuit au lot 212 : le portail a été forcé.",
    "Fumée épaisse derrière le marché, les pompiers sont prévenus.",
    "Petit garçon de 6 ans, t-shirt rouge, perdu près de l'école primaire.",
    "Vol de sac à l'arraché vers 19 h près de la pharmacie.",
]
TARGET_MS = 1000.0  # a call may wait a second for its audio; the SMS waits 3 minutes


def _words(text: str, number: int) -> str:
    from monquartier.alerts.voice import spoken_text

    commune = SimpleNamespace(name="Cocody")
    alert = SimpleNamespace(
        is_correction=False,
        get_category_display=lambda: "Cambriolage",
        community=SimpleNamespace(name=f"Riviera {number}", commune=commune),
        sender=SimpleNamespace(full_name="Awa Koné"),
        text=f"{text} ({number})",
    )
    return spoken_text(alert, "fr")  # type: ignore[arg-type]


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if not espeak_available():
        return [figure("voice", "audio", "voice: audio per alert", None, note="espeak-ng missing")]
    count = 10 if getattr(options, "quick", False) else 50
    timings, seconds, sizes = [], [], []
    for number in range(count):
        words = _words(TEXTS[number % len(TEXTS)], number)
        started = time.perf_counter()
        data = synthesise(words, "fr")
        timings.append((time.perf_counter() - started) * 1000)
        sizes.append(len(data))
        seconds.append((len(data) - 44) / 2 / RATE)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
    note = (
        f"{count} alerts, each new; audio {statistics.mean(seconds):.1f} s long on average, "
        f"{statistics.mean(sizes) / 1024:.0f} KB (8 kHz mono 16-bit WAV)"
    )
    return [
        figure("voice", "audio.p50", "voice: audio per alert, p50", round(p50, 1), "ms", note=note),
        figure(
            "voice",
            "audio.p99",
            "voice: audio per alert, p99",
            round(p99, 1),
            "ms",
            target=f"≤ {TARGET_MS:.0f} ms",
            passed=p99 <= TARGET_MS,
            note=note,
        ),
    ]
