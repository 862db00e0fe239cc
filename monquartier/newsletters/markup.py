"""The newsletter's small text format, made into HTML with everything escaped.

Staff type plain text: a blank line separates paragraphs, a line starting with "- " is a
list item, **words** are bold, and https:// addresses become links. Nothing else: no raw
HTML ever reaches an e-mail (all the text is escaped first, then only our own tags are
added), and the plain-text part is the text itself, minus the bold markers.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# After escaping: "&" is "&amp;", so a query string still matches; quotes and angle
# brackets, escaped to entities, end the address.
_URL = re.compile(r"https://[^\s<>\"']+?(?=[.,;:!?)]?(?:\s|$|&lt;|&gt;|&quot;|&#x27;))")
_ITEM = re.compile(r"^\s*[-•]\s+")


def _inline(line: str) -> str:
    html = _BOLD.sub(r"<strong>\1</strong>", str(escape(line)))
    return _URL.sub(r'<a href="\g<0>">\g<0></a>', html)


def paragraphs(text: str) -> list[list[str]]:
    """The text's blocks (separated by blank lines), each a list of its lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def to_html(text: str) -> SafeString:
    parts = []
    for block in paragraphs(text):
        if all(_ITEM.match(line) for line in block):
            items = "".join(f"<li>{_inline(_ITEM.sub('', line))}</li>" for line in block)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{'<br>'.join(_inline(line) for line in block)}</p>")
    return mark_safe("\n".join(parts))  # nosec B308 B703: every piece of text was escaped


def to_text(text: str) -> str:
    return "\n\n".join(
        "\n".join(_BOLD.sub(r"\1", line) for line in block) for block in paragraphs(text)
    )
