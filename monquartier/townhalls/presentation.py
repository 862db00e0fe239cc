"""The presentation of MonQuartier a member hands to their town hall, and its sending.

The PDF describes one commune with aggregated numbers only (communities, members,
alerts of the last twelve months by category): no person's name or data. That is why
anyone may download it from the commune's public URL, the link the e-mail carries.
It is built in memory with ReportLab's built-in fonts (no font file to ship) and stays
small: a commune with thousands of communities lists its largest ones, then how many
more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer, Table

from monquartier.accounts.models import User
from monquartier.alerts.models import Alert, AlertCategory
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.core import flood
from monquartier.outbox.rendering import render_email
from monquartier.outbox.tasks import send_email
from monquartier.places.models import Commune
from monquartier.townhalls.models import PresentationSent, TownHall

# The largest communities named in the PDF; the others are counted.
LISTED_COMMUNITIES = 40
MESSAGE_MAX_LENGTH = 500
GREEN = colors.HexColor("#1f6f43")


@dataclass(frozen=True)
class CommuneFigures:
    commune: Commune
    community_count: int
    largest: list[tuple[str, int]]  # (community name, active members)
    member_count: int
    alert_count: int
    alerts_by_category: list[tuple[str, int]]  # (category label, alerts), most first
    as_of: datetime

    @property
    def unlisted(self) -> int:
        return self.community_count - len(self.largest)


def commune_figures(commune: Commune) -> CommuneFigures:
    """Four queries whatever the size of the commune."""
    now = timezone.now()
    communities = Community.objects.filter(commune=commune)
    largest = list(
        communities.annotate(
            members=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
        )
        .order_by("-members", "name")
        .values_list("name", "members")[:LISTED_COMMUNITIES]
    )
    alerts = (
        Alert.objects.visible()
        .filter(
            community__commune=commune,
            corrects__isnull=True,
            created_at__gte=now - timedelta(days=365),
        )
        .values("category")
        .annotate(count=Count("id"))
        .order_by("-count", "category")
    )
    labels = dict(AlertCategory.choices)
    by_category = [
        (str(labels.get(row["category"], row["category"])), row["count"]) for row in alerts
    ]
    return CommuneFigures(
        commune=commune,
        community_count=communities.count(),
        largest=largest,
        member_count=Membership.objects.active().filter(community__commune=commune).count(),
        alert_count=sum(count for _label, count in by_category),
        alerts_by_category=by_category,
        as_of=now,
    )


def filename(commune: Commune) -> str:
    return f"monquartier-{commune.slug}.pdf"


def public_url(commune: Commune) -> str:
    return settings.SITE_URL + reverse("townhalls:presentation", args=[commune.slug])


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], textColor=GREEN, fontSize=22),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], textColor=GREEN, spaceBefore=14),
        "body": ParagraphStyle("body", parent=sheet["BodyText"], fontSize=10.5, leading=14),
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=9, leading=12),
    }


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    """Cells are drawn as plain text (no markup): names need no escaping here."""
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREEN),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f1f6f3")]),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    return table


def render_pdf(figures: CommuneFigures) -> bytes:
    styles = _styles()
    name = escape(figures.commune.name)
    story: list = [
        Paragraph(_("MonQuartier à %(commune)s") % {"commune": name}, styles["title"]),
        Paragraph(
            _(
                "Une présentation pour la mairie de %(commune)s, préparée à la demande d'un "
                "habitant. Chiffres au %(date)s."
            )
            % {"commune": name, "date": formats.date_format(figures.as_of, "DATE_FORMAT")},
            styles["body"],
        ),
        Paragraph(_("Les voisins vigilants de la commune"), styles["h2"]),
        _table(
            [
                [_("Indicateur"), _("Nombre")],
                [_("Communautés de voisins"), _number(figures.community_count)],
                [_("Membres"), _number(figures.member_count)],
                [_("Alertes des 12 derniers mois"), _number(figures.alert_count)],
            ],
            [11 * cm, 4 * cm],
        ),
    ]
    if figures.alerts_by_category:
        story += [
            Paragraph(_("Les alertes des 12 derniers mois, par catégorie"), styles["h2"]),
            _table(
                [[_("Catégorie"), _("Alertes")]]
                + [[label, _number(count)] for label, count in figures.alerts_by_category],
                [11 * cm, 4 * cm],
            ),
        ]
    if figures.largest:
        story += [
            Paragraph(_("Les communautés"), styles["h2"]),
            _table(
                [[_("Communauté"), _("Membres")]]
                + [[community, _number(members)] for community, members in figures.largest],
                [11 * cm, 4 * cm],
            ),
        ]
        if figures.unlisted:
            story.append(
                Paragraph(
                    ngettext(
                        "… et %(count)s autre communauté.",
                        "… et %(count)s autres communautés.",
                        figures.unlisted,
                    )
                    % {"count": _number(figures.unlisted)},
                    styles["body"],
                )
            )
    else:
        story.append(
            Paragraph(
                _("Aucune communauté n'existe encore : la mairie peut lancer les premières."),
                styles["body"],
            )
        )
    benefits = [
        _(
            "voir toutes les communautés de la commune, leur périmètre et leurs membres (en nombre) ;"
        ),
        _("recevoir chaque alerte de la commune dès son envoi, par e-mail et SMS ;"),
        _(
            "prévenir les habitants des coupures d'eau ou d'électricité, des orages, des "
            "travaux, par notification, e-mail et SMS pour l'urgent ;"
        ),
        _("décider de la validation des nouveaux membres ;"),
        _("jumeler les communautés voisines et les relier à la police et à la gendarmerie ;"),
        _("suivre un tableau de bord des alertes par période, catégorie et quartier."),
    ]
    story += [
        Paragraph(_("Ce que le partenariat apporte à la mairie"), styles["h2"]),
        ListFlowable(
            [Paragraph(benefit, styles["body"]) for benefit in benefits],
            bulletType="bullet",
            leftIndent=12,
        ),
        Paragraph(_("Comment souscrire"), styles["h2"]),
        Paragraph(
            _(
                "Écrivez à l'équipe MonQuartier à %(email)s : nous présentons le service à vos "
                "équipes, puis ouvrons les comptes de vos agents. Les habitants gardent leurs "
                "données : la mairie ne voit ni leurs adresses ni leurs téléphones."
            )
            % {"email": escape(settings.PARTNERSHIP_EMAIL)},
            styles["body"],
        ),
        Spacer(1, 0.6 * cm),
        Paragraph(
            _("Chiffres agrégés : ce document ne contient aucune donnée personnelle."),
            styles["small"],
        ),
    ]
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("MonQuartier à %(commune)s") % {"commune": figures.commune.name},
        author="MonQuartier",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        pageCompression=1,
    )
    document.build(story)
    return buffer.getvalue()


@transaction.atomic
def send_presentation(
    member: User, commune: Commune, to: str, message: str = ""
) -> PresentationSent:
    """E-mail the town hall a link to the commune's presentation (a link, not an
    attachment: lighter, and the numbers are fresh when it is opened)."""
    if TownHall.objects.partners().filter(commune=commune).exists():
        raise ValidationError(_("La mairie de cette commune est déjà partenaire."))
    to = (to or "").strip().lower()
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError(
            {"to": _("Cette adresse e-mail n'est pas valable : vérifiez-la.")}
        ) from None
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "message": _("Votre message est trop long (%(max)s caractères au plus).")
                % {"max": MESSAGE_MAX_LENGTH}
            }
        )
    flood.check_flood(
        PresentationSent.objects.filter(sent_by=member),
        "town_hall_presentation",
        _("Vous avez déjà envoyé %(count)s présentations cette semaine : réessayez plus tard."),
    )
    sent = PresentationSent.objects.create(commune=commune, sent_by=member, to=to)
    rendered = render_email(
        "townhalls/email/presentation",
        {"commune": commune, "link": public_url(commune), "message": message},
        settings.LANGUAGE_CODE,
    )
    send_email.enqueue(to=[to], subject=rendered.subject, body=rendered.text, html=rendered.html)
    return sent
