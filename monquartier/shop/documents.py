"""The invoice and the packing slip, as PDF (ReportLab): whole francs, our words, the
customer's name as privacy.py lets the reader see it (they are the customer's papers, and
staff's: the real name for both; the fetchers give them to nobody else)."""

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from monquartier.communities import privacy
from monquartier.shop.models import DeliveryMethod, Invoice, Order

GREEN = colors.HexColor("#1d6b45")
SELLER = "MonQuartier · Abidjan, Côte d'Ivoire"


def _francs(value: int) -> str:
    return _("%(amount)s F CFA") % {"amount": formats.number_format(value, force_grouping=True)}


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], textColor=GREEN, fontSize=20),
        "body": ParagraphStyle("body", parent=sheet["BodyText"], fontSize=10.5, leading=14),
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=9, leading=12),
    }


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREEN),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    return table


def _address(order: Order) -> list[str]:
    if order.delivery_method == DeliveryMethod.PICKUP:
        return [_("Retrait au point de retrait MonQuartier"), order.phone_display]
    return [
        ", ".join(
            part for part in (order.quartier, order.commune.name if order.commune else "") if part
        ),
        _("Repère : %(landmark)s") % {"landmark": order.landmark},
        _("Téléphone : %(phone)s") % {"phone": order.phone_display},
    ]


def _customer(order: Order, viewer) -> str:
    person = privacy.name_seen_by(viewer, order.user)
    return f"{order.buyer} ({person})" if order.buyer else person


def _build(title: str, story: list) -> bytes:
    buffer = BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="MonQuartier",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        pageCompression=1,
    ).build(story)
    return buffer.getvalue()


def invoice_pdf(invoice: Invoice, viewer) -> bytes:
    order = invoice.order
    styles = _styles()
    title = _("Facture %(number)s") % {"number": invoice.number}
    issued = timezone.localtime(invoice.issued_at).strftime("%d/%m/%Y")
    rows = [[_("Article"), _("Quantité"), _("Prix unitaire"), _("Montant")]]
    rows += [
        [
            line.name + (f" ({line.personalised_with})" if line.personalised_with else ""),
            str(line.quantity),
            _francs(line.unit_price),
            _francs(line.amount),
        ]
        for line in order.lines.all()
    ]
    rows.append([_("Livraison"), "", "", _francs(order.delivery_fee)])
    rows.append([_("Total payé"), "", "", _francs(order.total)])
    customer = _customer(order, viewer)
    if order.is_mandate:
        settlement = (
            _("Réglée par mandat administratif (référence %(reference)s).")
            % {"reference": order.mandate_reference or "—"}
            if order.paid_at
            else _("À régler par mandat administratif.")
        )
    else:
        settlement = _("Payé par mobile money.")
    story = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(SELLER), styles["body"]),
        Paragraph(
            escape(
                _("Émise le %(date)s pour la commande %(order)s")
                % {"date": issued, "order": order.number}
            ),
            styles["body"],
        ),
        Spacer(1, 8),
        Paragraph(escape(_("Client : %(name)s") % {"name": customer}), styles["body"]),
        *[Paragraph(escape(line), styles["body"]) for line in _address(order)],
        Spacer(1, 10),
        _table(rows, [8.5 * cm, 2 * cm, 3.2 * cm, 3.3 * cm]),
        Spacer(1, 10),
        Paragraph(
            escape(settlement + " " + _("Montants en francs CFA (XOF), sans TVA applicable.")),
            styles["small"],
        ),
    ]
    return _build(title, story)


def packing_slip_pdf(order: Order, viewer) -> bytes:
    styles = _styles()
    title = _("Bon de préparation %(number)s") % {"number": order.number}
    rows = [[_("Article"), _("Quantité"), _("Personnalisation")]]
    rows += [
        [line.name, str(line.quantity), line.personalised_with or "—"] for line in order.lines.all()
    ]
    customer = _customer(order, viewer)
    story = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(_("Pour : %(name)s") % {"name": customer}), styles["body"]),
        *[Paragraph(escape(line), styles["body"]) for line in _address(order)],
        Spacer(1, 10),
        _table(rows, [7 * cm, 2.5 * cm, 7.5 * cm]),
    ]
    return _build(title, story)
