"""PDF uploads: active content refused after decoding, and no file makes the check slow."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from monquartier.core.documents import check_pdf
from tests import factories
from tests.factories import PDF_CATALOGUE, PDF_PAGE, PDF_PAGES


def one_page(catalogue=b"", page=b"", extra=None, in_object_stream=None) -> bytes:
    objects = {1: PDF_CATALOGUE % catalogue, 2: PDF_PAGES, 3: PDF_PAGE % page, **(extra or {})}
    return factories.raw_pdf(objects, in_object_stream=in_object_stream)


def check(data: bytes):
    return check_pdf(SimpleUploadedFile("doc.pdf", data, "application/pdf"), max_bytes=10**7)


def test_a_plain_hand_built_pdf_is_accepted():
    assert check(one_page()) == 1
    assert check(factories.pdf_bytes(pages=3)) == 3


HOSTILE = {
    "JavaScript opened at once": one_page(
        b"/OpenAction 4 0 R", extra={4: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"}
    ),
    "JavaScript spelt with a name escape": one_page(
        b"/Names << /J#61vaScript 4 0 R >>",
        extra={4: b"<< /Names [(a) 5 0 R] >>", 5: b"<< /S /J#61vaScript /J#53 (x) >>"},
    ),
    "Launch spelt with a name escape, on a link": one_page(
        page=b"/Annots [4 0 R]",
        extra={
            4: b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /L#61unch /F (cmd.exe) >> >>"
        },
    ),
    "an action when the page opens": one_page(
        page=b"/A#41 << /O << /S /URI /URI (http://x.invalid) >> >>"
    ),
    "an open action that only goes to a page": one_page(b"/Op#65nAction [3 0 R /Fit]"),
    "an embedded file": one_page(
        b"/Names << /Embedde#64Files 4 0 R >>",
        extra={
            4: b"<< /Names [(a.exe) << /Type /Filespec /EF << /F 5 0 R >> >>] >>",
            5: b"<< /Type /Embedde#64File /Length 2 >>\nstream\nMZ\nendstream",
        },
    ),
    "JavaScript inside a compressed object stream": one_page(
        b"/OpenAction 4 0 R",
        in_object_stream={4: b"<< /S /J#61v#61Script /JS (app.alert\\(1\\)) >>"},
    ),
    "a form that submits itself, in an object stream": one_page(
        page=b"/Annots [4 0 R]",
        in_object_stream={
            4: b"<< /Type /Annot /Subtype /Widget /A << /S /Subm#69tForm /F (http://x.invalid) >> >>"
        },
    ),
    "JavaScript appended after the end of the file": one_page()
    + b"9 0 obj\n<< /S /J#61vaScript /JS (app.alert\\(1\\)) >>\nendobj\n",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_active_content_is_refused_however_it_is_spelt(name):
    with pytest.raises(ValidationError) as caught:
        check(HOSTILE[name])
    assert caught.value.code == "active_pdf"


def test_a_pdf_with_too_many_objects_is_refused_quickly():
    extra = {number: b"<< /N %d >>" % number for number in range(4, 40_000)}
    data = one_page(extra=extra)
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        check(data)
    assert time.perf_counter() - started < 2.0
    assert caught.value.code == "complex_pdf"


def test_a_deeply_nested_pdf_is_refused_quickly():
    data = one_page(page=b"/Junk " + b"[" * 50_000 + b"]" * 50_000)
    started = time.perf_counter()
    with pytest.raises(ValidationError):
        check(data)
    assert time.perf_counter() - started < 2.0
