"""PDF uploads are checked by what they contain, never by their name.

A file is a PDF when it starts with the PDF signature and pypdf can read its pages. One
that carries JavaScript, launch actions, actions run on opening or embedded files is
refused: members open these on their phones, and a neighbourhood gazette needs none of
that. The check reads the PDF's objects as a viewer does (pypdf undoes #xx escapes in
names and opens compressed object streams), and the raw bytes, names unescaped, for
objects a viewer repairing the file could find outside the cross-reference table. The
work is bounded (objects, pages, seconds), so a hostile file cannot make it slow.
"""

import re
import time
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF_SIGNATURE = b"%PDF-"
PDF_MAX_PAGES = 500
PDF_MAX_OBJECTS = 20_000
PDF_MAX_SECONDS = 2.0
# Dictionary keys and name values that make a PDF run something, open something or carry
# files (PDF 32000: JavaScript and Launch actions, open and additional actions, forms that
# submit or import, embedded files, rich media, XFA forms).
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles"}
    | {"/RichMedia", "/RichMediaContent", "/XFA"}
)
ACTIVE_NAMES = frozenset(
    {"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia", "/SubmitForm", "/ImportData"}
    | {"/GoToE", "/Rendition"}
)
# In the raw bytes, only names long enough never to occur by chance in compressed data.
_RAW_MARKERS = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia|OpenAction)\b")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class _TooComplex(Exception):
    pass


def looks_like_pdf(head: bytes) -> bool:
    return head.lstrip(b"\r\n\t ").startswith(PDF_SIGNATURE)


def check_pdf(upload, *, max_bytes: int | None = None) -> int:
    """Return the number of pages, or raise ValidationError with a message for the person."""
    max_bytes = max_bytes or settings.GAZETTE_PDF_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("Ce document pèse %(size)s Mo : la limite est de %(limit)s Mo.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{max_bytes / 1048576:.0f}"},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    unreadable = ValidationError(_("Ce document PDF est illisible ou abîmé."), code="bad_pdf")
    if not looks_like_pdf(data[:1024]):
        raise unreadable
    active = ValidationError(
        _("Ce PDF contient du code ou des fichiers cachés : il n'est pas accepté."),
        code="active_pdf",
    )
    if _RAW_MARKERS.search(_NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), data)):
        raise active
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("Ce PDF est protégé par un mot de passe : envoyez-le sans protection."),
                code="encrypted",
            )
        if _has_active_content(reader, deadline=time.monotonic() + PDF_MAX_SECONDS):
            raise active
        pages = len(reader.pages)
    except ValidationError:
        raise
    except _TooComplex:
        raise ValidationError(
            _(
                "Ce PDF est trop complexe pour être vérifié : enregistrez-le à nouveau en PDF simple."
            ),
            code="complex_pdf",
        ) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise unreadable from None
    if pages < 1:
        raise unreadable
    if pages > PDF_MAX_PAGES:
        raise ValidationError(
            _("Ce PDF a %(count)s pages : %(max)s au plus.")
            % {"count": pages, "max": PDF_MAX_PAGES},
            code="too_many_pages",
        )
    upload.seek(0)
    return pages


def _has_active_content(reader: PdfReader, *, deadline: float) -> bool:
    """Every object the cross-reference lists (those inside compressed object streams
    included), searched for active keys and names. Raises _TooComplex past the bounds."""
    numbers = {number for table in reader.xref.values() for number in table}
    numbers |= set(reader.xref_objStm)
    if len(numbers) > PDF_MAX_OBJECTS:
        raise _TooComplex
    generations = {
        number: generation for generation, table in reader.xref.items() for number in table
    }
    for number in numbers:
        if time.monotonic() > deadline:
            raise _TooComplex
        found = IndirectObject(number, generations.get(number, 0), reader).get_object()
        if _is_active(found, deadline):
            return True
    return False


def _is_active(root, deadline: float) -> bool:
    # Walks one object's direct parts only: other indirect objects get their own turn.
    pending = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, NameObject):
            if item in ACTIVE_NAMES:
                return True
        elif isinstance(item, DictionaryObject):  # streams' dictionaries included
            if time.monotonic() > deadline:
                raise _TooComplex
            for key, value in item.items():
                if key in ACTIVE_KEYS:
                    return True
                if not isinstance(value, IndirectObject):
                    pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(value for value in item if not isinstance(value, IndirectObject))
    return False
