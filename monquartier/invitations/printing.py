"""The printed invitations, built on the fly with ReportLab: a member's A4 flyer and A6
door card, and the référent's kit (an A4 poster, the flyer, a meeting presentation).

Each carries the community's name, the short link and its QR code, and nothing about a
person: the link's code says who handed it out only to our database. ReportLab's
built-in fonts cover French (no font file to ship); a PDF is a few kilobytes.
"""

from collections.abc import Callable
from io import BytesIO

from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, A6, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from monquartier.communities.models import Community

GREEN = colors.HexColor("#1f6f43")
ORANGE = colors.HexColor("#b4470b")
EMERGENCY = "110 · 111 · 170"


def qr_code(data: str, side: float) -> Drawing:
    """A QR code `side` points wide, with its quiet zone (phones need it to read it)."""
    widget = QrCodeWidget(data, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    width, height = x1 - x0, y1 - y0
    drawing = Drawing(side, side, transform=[side / width, 0, 0, side / height, 0, 0])
    drawing.add(widget)
    drawing.hAlign = "CENTER"
    return drawing


def _para(markup: str, style: ParagraphStyle) -> Paragraph:
    """French spacing that never breaks: a name stays with its guillemets, a colon with
    its word."""
    for loose, tight in (("« ", "«\u00a0"), (" »", "\u00a0»"), (" :", "\u00a0:")):
        markup = markup.replace(loose, tight)
    return Paragraph(markup, style)


def _name(community: Community) -> str:
    """The name as markup; a short one is never split over two lines."""
    name = escape(community.name)
    return name.replace(" ", "\u00a0") if len(name) <= 24 else name


def _style(name: str, size: float, *, bold: bool = False, color=colors.black, centre=True):
    return ParagraphStyle(
        name,
        fontName="Helvetica-Bold" if bold else "Helvetica",
        fontSize=size,
        leading=size * 1.25,
        textColor=color,
        alignment=TA_CENTER if centre else 0,
        spaceAfter=size * 0.4,
    )


def _bullets(items: list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [_para(escape(item), style) for item in items], bulletType="bullet", leftIndent=14
    )


def _build(story: list[Flowable], *, pagesize, margin: float, title: str) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        author="MonQuartier",
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        pageCompression=1,
    )
    document.build(story)
    return buffer.getvalue()


def _link_block(url: str, qr_side: float, size: float) -> list[Flowable]:
    link = _style("link", size, bold=True, color=GREEN)
    small = _style("small", size * 0.8)
    return [
        qr_code(url, qr_side),
        _para(escape(_("Scannez ce code ou tapez l'adresse :")), small),
        _para(escape(url), link),
    ]


def _what_it_is() -> list[str]:
    return [
        _(
            "Une alerte partie d'un téléphone prévient tout le quartier en quelques secondes, "
            "par notification, e-mail ou SMS."
        ),
        _(
            "Les voisins se connaissent : seuls les habitants du quartier, vérifiés par un "
            "référent, entrent dans la communauté."
        ),
        _("C'est gratuit, et cela marche aussi sans internet, par SMS."),
    ]


def flyer_pdf(community: Community, url: str) -> bytes:
    """A4 portrait: to hand out or pin on a noticeboard."""
    name = _name(community)
    story: list[Flowable] = [
        _para(escape(_("Voisins vigilants")), _style("kicker", 16, color=ORANGE)),
        _para(
            escape(_("Rejoignez la communauté « %(name)s »")) % {"name": name},
            _style("title", 28, bold=True, color=GREEN),
        ),
        _para(escape(community.commune.name), _style("commune", 14)),
        Spacer(1, 0.4 * cm),
        _bullets(_what_it_is(), _style("body", 13, centre=False)),
        Spacer(1, 0.6 * cm),
        *_link_block(url, 6.5 * cm, 14),
        Spacer(1, 0.6 * cm),
        _para(
            escape(_("En cas d'urgence, n'intervenez pas : appelez la police au %(numbers)s."))
            % {"numbers": EMERGENCY},
            _style("emergency", 12, bold=True),
        ),
    ]
    return _build(story, pagesize=A4, margin=2 * cm, title=_("Invitation MonQuartier"))


def door_card_pdf(community: Community, url: str) -> bytes:
    """A6: to slip under a door or into a letterbox."""
    name = _name(community)
    story: list[Flowable] = [
        _para(
            escape(_("Vos voisins de « %(name)s » veillent ensemble")) % {"name": name},
            _style("title", 13, bold=True, color=GREEN),
        ),
        _para(
            escape(_("Rejoignez-les sur MonQuartier : une alerte prévient tout le quartier.")),
            _style("body", 9),
        ),
        KeepTogether(_link_block(url, 4.2 * cm, 9)),
        _para(
            escape(_("Urgence : police %(numbers)s")) % {"numbers": EMERGENCY},
            _style("emergency", 8, bold=True),
        ),
    ]
    return _build(story, pagesize=A6, margin=0.7 * cm, title=_("Carte de porte MonQuartier"))


def poster_pdf(community: Community, url: str) -> bytes:
    """A4 poster for a wall, a shop or a church door: few words, a large code."""
    name = _name(community)
    story: list[Flowable] = [
        _para(
            escape(_("Ici, les voisins veillent ensemble")),
            _style("title", 34, bold=True, color=GREEN),
        ),
        _para(
            escape(_("Communauté « %(name)s » · %(commune)s"))
            % {"name": name, "commune": escape(community.commune.name)},
            _style("community", 18, color=ORANGE),
        ),
        Spacer(1, 0.8 * cm),
        *_link_block(url, 9 * cm, 16),
        Spacer(1, 0.6 * cm),
        _para(escape(_("Inscription gratuite, avec votre téléphone.")), _style("body", 16)),
        _para(
            escape(_("Urgence : n'intervenez pas, appelez le %(numbers)s."))
            % {"numbers": EMERGENCY},
            _style("emergency", 14, bold=True),
        ),
    ]
    return _build(story, pagesize=A4, margin=1.5 * cm, title=_("Affiche MonQuartier"))


def presentation_pdf(community: Community, url: str) -> bytes:
    """Landscape pages to show or print for a neighbourhood meeting."""
    name = _name(community)
    heading = _style("heading", 28, bold=True, color=GREEN, centre=False)
    body = _style("body", 17, centre=False)

    def page(title: str, items: list[str]) -> list[Flowable]:
        return [_para(escape(title), heading), Spacer(1, 0.4 * cm), _bullets(items, body)]

    story: list[Flowable] = [
        Spacer(1, 2.5 * cm),
        _para(escape(_("Voisins vigilants")), _style("kicker", 20, color=ORANGE)),
        _para(
            escape(_("La communauté « %(name)s »")) % {"name": name},
            _style("cover", 36, bold=True, color=GREEN),
        ),
        _para(escape(community.commune.name), _style("commune", 20)),
        _para(escape(_("Réunion de quartier")), _style("meeting", 16)),
        PageBreak(),
        *page(
            _("Le principe"),
            [
                *_what_it_is(),
                _("Les référents accueillent les nouveaux voisins et veillent au bon usage."),
                _(
                    "Les adresses et téléphones restent entre voisins : ni le public ni la mairie "
                    "ne les voient."
                ),
            ],
        ),
        PageBreak(),
        _para(escape(_("Comment rejoindre")), heading),
        _bullets(
            [
                _("Créez votre compte avec votre e-mail et votre mobile."),
                _("Placez votre domicile sur la carte : il décide de votre communauté."),
                _("Demandez à rejoindre : un référent vérifie que vous habitez le quartier."),
                _(
                    "Sans internet ? Un référent peut vous inscrire, vous recevrez les alertes par SMS."
                ),
            ],
            body,
        ),
        *_link_block(url, 5 * cm, 14),
        PageBreak(),
        *page(
            _("En cas d'alerte"),
            [
                _(
                    "Vous voyez quelque chose d'anormal : lancez une alerte en deux gestes, ou "
                    "envoyez un SMS."
                ),
                _("Dites ce que vous voyez et où : sans accuser personne, sans nommer de groupe."),
                _(
                    "Vous recevez une alerte : restez chez vous, allumez la lumière, prévenez vos "
                    "proches, signalez que vous l'avez vue."
                ),
            ],
        ),
        PageBreak(),
        _para(
            escape(_("N'intervenez jamais vous-même")), _style("warn", 34, bold=True, color=ORANGE)
        ),
        Spacer(1, 0.6 * cm),
        _para(
            escape(_("Appelez la police ou la gendarmerie : %(numbers)s")) % {"numbers": EMERGENCY},
            _style("numbers", 30, bold=True),
        ),
        _para(
            escape(_("Pompiers 180 · SAMU 185. Votre sécurité passe avant tout.")),
            _style("others", 20),
        ),
    ]
    return _build(
        story, pagesize=landscape(A4), margin=1.8 * cm, title=_("Présentation MonQuartier")
    )


KIT: dict[str, tuple[Callable[[Community, str], bytes], str]] = {
    "affiche": (poster_pdf, "affiche"),
    "affichette": (flyer_pdf, "affichette"),
    "presentation": (presentation_pdf, "presentation"),
    "carte-de-porte": (door_card_pdf, "carte-de-porte"),
}
