"""The answers' tiny markup, rendered by us so that staff text never becomes raw HTML.

- a blank line separates paragraphs;
- a block whose lines all start with "- " is a list, with "1. " (any number) a numbered list;
- [words](/a/path/) is a link, to a path of this site only (nothing else is a link).

Everything else is text, escaped. `plain_text` gives the same text without the markup, for
search snippets.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

BULLET = re.compile(r"^- +(?P<item>.+)$")
NUMBERED = re.compile(r"^\d{1,2}\. +(?P<item>.+)$")
# A local path: one slash, then no second slash or backslash (never another site).
LINK = re.compile(r"\[(?P<words>[^\[\]\n]{1,120})\]\((?P<path>/(?![/\\])[^\s()<>\"']{0,200})\)")


def _blocks(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _inline(text: str) -> str:
    """Escaped text with its local links made into <a> elements."""
    parts: list[str] = []
    position = 0
    for match in LINK.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', match["path"], match["words"]))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def render(text: str) -> SafeString:
    html: list[str] = []
    for block in _blocks(text):
        for pattern, tag in ((BULLET, "ul"), (NUMBERED, "ol")):
            items = [pattern.match(line) for line in block]
            if all(items):
                rows = "".join(f"<li>{_inline(item['item'])}</li>" for item in items if item)
                html.append(f"<{tag}>{rows}</{tag}>")
                break
        else:
            html.append(f"<p>{_inline(' '.join(block))}</p>")
    # Every piece of text above went through escape() or format_html().
    return mark_safe("\n".join(html))  # nosec B308


def plain_text(text: str) -> str:
    """The text without markup: list markers dropped, links reduced to their words."""
    words: list[str] = []
    for block in _blocks(text):
        for line in block:
            match = BULLET.match(line) or NUMBERED.match(line)
            words.append(match["item"] if match else line)
    return LINK.sub(lambda link: link["words"], " ".join(words))
