"""PDF uploads are checked by what they contain, never by their name.

A file is a PDF when it starts with the PDF signature and pypdf can read its pages. One
that carries JavaScript, launch actions or embedded files is refused: members open these
on their phones, and a neighbourhood gazette needs none of that.
"""

from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PDF_SIGNATURE = b"%PDF-"
# Names in a PDF that make it run or drop something on open.
ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")


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
    if any(marker in data for marker in ACTIVE_CONTENT):
        raise ValidationError(
            _("Ce PDF contient du code ou des fichiers cachés : il n'est pas accepté."),
            code="active_pdf",
        )
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("Ce PDF est protégé par un mot de passe : envoyez-le sans protection."),
                code="encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise unreadable from None
    if pages < 1:
        raise unreadable
    upload.seek(0)
    return pages
