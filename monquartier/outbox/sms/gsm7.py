"""SMS text in the GSM 03.38 default alphabet.

Many members read alerts on basic phones. One character outside the GSM-7 alphabet makes
the whole message UCS-2: 70 characters a segment instead of 160, two or three times the
cost, and old handsets may show boxes. So outgoing text is transliterated, French first:
é è à ù stay (they are in the alphabet), ê ô ç œ « » ’ become e o c oe " " '.

Emoji are removed rather than replaced by '?': in an alert a '?' reads as a question or a
corrupted message, whereas an emoji only decorates. Any other character that cannot be
written in GSM-7 (Arabic, Chinese…) becomes '?', so the reader sees that something was
there.
"""

import re
import unicodedata

# The basic character set: one septet each (the escape code 0x1B is not a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: an escape septet plus one, so two septets each. (The form feed is
# also there, but it has no business in an SMS: it is treated as a control character.)
GSM7_EXTENSION = frozenset("^{}\\[~]|€")

SINGLE_SEGMENT = 160
# A segment of a concatenated SMS loses 7 septets to the header that links the parts.
MULTIPART_SEGMENT = 153

ELLIPSIS = "..."

# Characters outside the alphabet with a better rendering than the accent-stripping
# fallback would give (or that it would not handle at all).
_TRANSLITERATIONS = {
    "ç": "c",  # the capital Ç is in the alphabet, the small one is not
    "œ": "oe",
    "Œ": "OE",
    "ÿ": "y",
    "Ÿ": "Y",
    "’": "'",
    "‘": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "″": '"',
    "‹": "'",
    "›": "'",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "•": "-",
    "…": "...",
    "°": "o",  # n° 12 → no 12
    "×": "x",
    "→": "->",
    "←": "<-",
    "\t": " ",
    "\f": " ",
    "\v": " ",
}

# Emoji and the invisible characters that glue them together (joiner, variation selector,
# skin tones, flag tags). The ranges cover the pictographic blocks, not the letters.
_EMOJI_CHARS = (
    "\U0001f000-\U0001faff"  # mahjong, cards, flags, pictographs, emoticons, transport…
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (☀ ☎ ✅ ❤)
    "\u2b00-\u2bff"  # arrows and stars (⭐ ⬆)
    "\u2300-\u23ff"  # technical symbols used as emoji (⌚ ⏰)
    "\u200d\ufe0e\ufe0f\u20e3"
    "\U000e0000-\U000e007f"
)
# An emoji run and the blank before it go ("Feu 🔥 ici" → "Feu ici"); at the very start
# of the text, the blank after it goes instead ("🔥 Feu" → "Feu").
_EMOJI_RUN = re.compile(f"^[ ]*[{_EMOJI_CHARS}]+[ ]*|[ ]*[{_EMOJI_CHARS}]+")


def _is_gsm7_char(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def _transliterate_char(char: str) -> str:
    if _is_gsm7_char(char):
        return char
    if char in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[char]
    category = unicodedata.category(char)
    if category == "Zs":  # every kind of space, non-breaking ones included
        return " "
    if category in ("Cc", "Cf", "Mn"):  # controls, invisible formatting, stray accents
        return ""
    # NFKD splits a letter from its accents (ê → e + ^) and unfolds compatibility forms
    # (ﬁ → fi, ² → 2, full-width Ａ → A); keep the result if it is all GSM-7.
    stripped = "".join(
        part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
    )
    if stripped and all(_is_gsm7_char(part) for part in stripped):
        return stripped
    return "?"


def to_gsm7(text: str) -> str:
    """The text written with GSM-7 characters only. Already-GSM-7 text is unchanged."""
    if is_gsm7(text):
        return text
    text = _EMOJI_RUN.sub("", text)
    return "".join(_transliterate_char(char) for char in text)


def is_gsm7(text: str) -> bool:
    return all(_is_gsm7_char(char) for char in text)


def _septets(gsm_text: str) -> int:
    return sum(2 if char in GSM7_EXTENSION else 1 for char in gsm_text)


def gsm7_length(text: str) -> int:
    """Septets the text takes once transliterated; extension characters count 2."""
    return _septets(to_gsm7(text))


def segments(text: str) -> int:
    """How many SMS the text is billed as (an empty text is still one SMS)."""
    gsm_text = to_gsm7(text)
    if _septets(gsm_text) <= SINGLE_SEGMENT:
        return 1
    # Parts of a long SMS hold 153 septets, and an escape pair is never split between two
    # parts, so count by filling parts rather than by dividing.
    count, used = 1, 0
    for char in gsm_text:
        size = 2 if char in GSM7_EXTENSION else 1
        if used + size > MULTIPART_SEGMENT:
            count, used = count + 1, 0
        used += size
    return count


def _cut(body: str, budget: int) -> str:
    """The longest start of body within budget septets, on a word boundary if that does
    not waste much of the room, without trailing blanks or separators."""
    size = 0
    end = 0
    for end, char in enumerate(body):  # noqa: B007 - end is read after the loop
        size += 2 if char in GSM7_EXTENSION else 1
        if size > budget:
            break
    else:
        return body
    cut = body[:end]
    if not body[end].isspace():
        # Back up to the last blank if that loses at most a fifth of the room (a very
        # long word is cut in the middle rather than throwing away half the message).
        blank = max(cut.rfind(" "), cut.rfind("\n"))
        if blank > 0 and len(cut) - blank <= max(len(cut) // 5, 1):
            cut = cut[:blank]
    return cut.rstrip(" \n\r,;:-")


def fit_sms(prefix: str, body: str, suffix: str, limit: int = SINGLE_SEGMENT) -> str:
    """prefix + body + suffix in GSM-7 within limit septets, shortening only body (with
    "..." where it is cut). prefix (who sends) and suffix (the link) are never cut: if they
    alone exceed limit they are returned whole, as a longer SMS beats a useless one."""
    prefix, body, suffix = to_gsm7(prefix), to_gsm7(body), to_gsm7(suffix)
    whole = prefix + body + suffix
    if _septets(whole) <= limit:
        return whole
    budget = limit - _septets(prefix) - _septets(suffix) - len(ELLIPSIS)
    cut = _cut(body, budget) if budget > 0 else ""
    if not cut:
        return prefix + suffix
    return prefix + cut + ELLIPSIS + suffix


__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "fit_sms",
    "gsm7_length",
    "is_gsm7",
    "segments",
    "to_gsm7",
]
