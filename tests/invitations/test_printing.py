"""The printed invitations read back: their text (pypdf), their page size, and their QR
code decoded from the rendered page (pypdfium2 draws it, OpenCV reads it)."""

import io

import cv2
import numpy
import pypdfium2
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, A6, landscape

from monquartier.invitations import printing

URL = "https://monquartier.ci/invitation/K7M3PQ9X/"


def qr_codes(pdf: bytes) -> list[str]:
    """What the QR codes of every page say."""
    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=3).to_pil().convert("L")
        text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(numpy.array(image))
        if text:
            found.append(text)
    document.close()
    return found


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def size_of(reader: PdfReader, index: int = 0) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return round(float(box.width)), round(float(box.height))


@pytest.fixture
def community(riviera):
    return riviera


@pytest.mark.parametrize(
    ("build", "page_size", "words"),
    [
        (printing.flyer_pdf, A4, ["Rejoignez la communauté « Riviera 2 »", "Cocody", "110"]),
        (printing.door_card_pdf, A6, ["Riviera 2", "police 110 · 111 · 170"]),
        (printing.poster_pdf, A4, ["Ici, les voisins veillent ensemble", "Riviera 2", "Cocody"]),
    ],
)
def test_each_print_has_the_community_the_link_and_a_qr_code_that_reads(
    community, build, page_size, words
):
    pdf = build(community, URL)
    reader, text = read(pdf)
    assert len(reader.pages) == 1
    assert size_of(reader) == (round(page_size[0]), round(page_size[1]))
    flat = " ".join(text.split())
    for word in [*words, URL]:
        assert word in flat
    assert qr_codes(pdf) == [URL]


def test_the_meeting_presentation_is_landscape_in_french_with_the_rules(community):
    pdf = printing.presentation_pdf(community, URL)
    reader, text = read(pdf)
    flat = " ".join(text.split())
    assert len(reader.pages) == 5
    width, height = landscape(A4)
    assert all(size_of(reader, index) == (round(width), round(height)) for index in range(5))
    for words in (
        "La communauté « Riviera 2 »",
        "Le principe",
        "Comment rejoindre",
        "En cas d'alerte",
        "N'intervenez jamais vous-même",
        "110 · 111 · 170",
    ):
        assert words in flat
    assert qr_codes(pdf) == [URL]  # on the "how to join" page


def test_no_person_is_named_in_the_prints(community, awa, yao):
    for build in (
        printing.flyer_pdf,
        printing.door_card_pdf,
        printing.poster_pdf,
        printing.presentation_pdf,
    ):
        _reader, text = read(build(community, URL))
        for personal in ("Awa", "Koné", "Yao", "Kouassi", str(awa.mobile)):
            assert personal not in text


def test_a_name_with_markup_is_printed_as_text(community):
    community.name = "Cité <b>Verte</b> & Co"
    _reader, text = read(printing.flyer_pdf(community, URL))
    assert "Cité <b>Verte</b> & Co" in " ".join(text.split())
