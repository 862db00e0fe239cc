"""The calls' audio, synthesised on our side with espeak-ng and kept in the private media
storage: one WAV file (8 kHz, mono, 16-bit: what a phone line carries, about 16 KB a
second) per alert and language, made once and played to every member called.

espeak-ng writes 22,050 Hz; we bring it down to 8,000 Hz ourselves (a short low-pass,
then linear interpolation), which needs no other program. The text goes to espeak-ng on
its standard input, never as an argument: nothing in it can be read as an option.
"""

import array
import hashlib
import io
import logging
import shutil
import subprocess  # nosec B404 # espeak-ng, a fixed program, text on stdin
import sys
import tempfile
import time
import wave
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
VOICES = {"fr": "fr", "en": "en"}
RATE = 8000
WORDS_PER_MINUTE = 150  # a little slower than espeak's default: clearer on a phone
MAX_TEXT = 1000  # characters: an alert's text is short, this bounds the call and the work
TIMEOUT = 20  # seconds for espeak-ng
DIRECTORY = "voice"


class AudioError(Exception):
    pass


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def synthesise(text: str, language: str) -> bytes:
    """The text spoken, as an 8 kHz mono WAV file."""
    voice = VOICES.get(language, VOICES["fr"])
    program = shutil.which(ESPEAK)
    if program is None:
        raise AudioError("espeak-ng is not installed (make espeak)")
    with tempfile.TemporaryDirectory(prefix="voice-") as directory:
        output = Path(directory) / "speech.wav"
        try:
            subprocess.run(  # noqa: S603  # nosec B603 # a fixed program, the text on stdin
                [program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(output), "--stdin"],
                input=text[:MAX_TEXT].encode(),
                capture_output=True,
                timeout=TIMEOUT,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as error:
            raise AudioError(f"espeak-ng failed: {error}") from error
        return to_phone_wav(output.read_bytes())


def to_phone_wav(data: bytes) -> bytes:
    """A 16-bit mono WAV at any rate, as 8 kHz mono 16-bit."""
    with wave.open(io.BytesIO(data)) as source:
        if source.getsampwidth() != 2 or source.getnchannels() != 1:
            raise AudioError("expected 16-bit mono audio")
        rate = source.getframerate()
        samples = array.array("h", source.readframes(source.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    resampled = _resample(samples, rate, RATE)
    if sys.byteorder == "big":
        resampled.byteswap()
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(RATE)
        target.writeframes(resampled.tobytes())
    return out.getvalue()


def _resample(samples: array.array, rate: int, target: int) -> array.array:
    if rate == target or not samples:
        return array.array("h", samples)
    # Low-pass before going down: the mean of the source samples one target step wide.
    width = max(1, round(rate / target)) if rate > target else 1
    if width > 1:
        smoothed = []
        total = 0
        window: list[int] = []
        for value in samples:
            window.append(value)
            total += value
            if len(window) > width:
                total -= window.pop(0)
            smoothed.append(total / len(window))
    else:
        smoothed = [float(value) for value in samples]
    step = rate / target
    count = int(len(smoothed) / step)
    last = len(smoothed) - 1
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        value = smoothed[left] + (smoothed[right] - smoothed[left]) * fraction
        out[index] = max(-32768, min(32767, int(value)))
    return out


def storage_name(key: str, text: str, language: str) -> str:
    """Where the audio of this text is kept: the key names the row carried, the digest
    the very words (a changed wording makes a new file)."""
    digest = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()[:16]
    safe_key = "".join(c for c in key if c.isalnum() or c in "-_")[:60]
    return f"{DIRECTORY}/{safe_key}-{digest}.wav"


def audio_file(key: str, text: str, language: str) -> str:
    """The storage name of the audio, synthesised the first time only."""
    name = storage_name(key, text, language)
    if default_storage.exists(name):
        return name
    started = time.monotonic()
    data = synthesise(text, language)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # another worker made it meanwhile: keep one
        default_storage.delete(saved)
    logger.info(
        "Voice audio %s synthesised in %.0f ms (%s bytes)",
        name,
        (time.monotonic() - started) * 1000,
        len(data),
    )
    return name


def prune_audio(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the audio files made before the cutoff: they speak an alert and its
    sender's name, and a call needs its file for an hour at most (a later call makes it
    again). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    try:
        _directories, files = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return 0
    deleted = 0
    for file in files:
        name = f"{DIRECTORY}/{file}"
        if default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted += 1
    return deleted
