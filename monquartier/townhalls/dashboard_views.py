"""The town hall's dashboard (/mairie/tableau-de-bord/) and its CSV export.

Both read the same filters from the query string; a bad filter never fails the page:
it falls back to the default period (the last 12 months, every community) and says so.
A community outside the commune is 404, like everything of another commune.
"""

import csv
import datetime
from dataclasses import dataclass
from functools import partial

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from monquartier.core import pagecache
from monquartier.townhalls import charts, dashboard
from monquartier.townhalls.access import AgentRequest, agent_page, agent_required, communities_of
from monquartier.townhalls.dashboard import Filters
from monquartier.townhalls.forms import CommunityFilterField
from monquartier.townhalls.models import TownHall

DEFAULT_MONTHS = 12
# A longer period would make a year of weekly columns too thin to read.
MAX_DAYS = 2 * 366
DATES = "dates"


class DashboardForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Période"),
        required=False,
        initial=str(DEFAULT_MONTHS),
        choices=[
            ("3", gettext_lazy("Les 3 derniers mois")),
            ("6", gettext_lazy("Les 6 derniers mois")),
            ("12", gettext_lazy("Les 12 derniers mois")),
            (DATES, gettext_lazy("Entre deux dates")),
        ],
    )
    start = forms.DateField(
        label=gettext_lazy("Du"),
        help_text=gettext_lazy("Avec « Entre deux dates » seulement."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    community = CommunityFilterField(
        label=gettext_lazy("Communauté"), empty_label=gettext_lazy("Toutes les communautés")
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].set_communities(communities)  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("period") == DATES:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Indiquez les deux dates de la période."))
            end = data["end"] = min(end, timezone.localdate())
            if start > end:
                raise forms.ValidationError(_("La période doit finir après son début."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("La période ne peut pas dépasser deux ans."))
        return data


@dataclass(frozen=True)
class Choice:
    filters: Filters
    form: DashboardForm
    notice: str


def default_filters(today: datetime.date) -> Filters:
    return Filters(start=dashboard.months_back(today, DEFAULT_MONTHS), end=today)


def choose(request: AgentRequest) -> Choice:
    """The filters of the query string, or the default ones with a notice saying why."""
    return choose_from(request.GET, request.town_hall)


def choose_from(data, town_hall: TownHall) -> Choice:
    """The filters `data` asks for (the page's query string, or the API's parameters):
    404 for a community of another commune; the default filters with a notice when
    `data` is not valid."""
    today = timezone.localdate()
    form = DashboardForm(data or None, communities=communities_of(town_hall))
    if not data:
        return Choice(default_filters(today), form, "")
    if form.has_error("community", "outside"):
        raise Http404("not a community of the commune")
    if not form.is_valid():
        notice = " ".join([*form.non_field_errors(), _("La période par défaut est affichée.")])
        return Choice(default_filters(today), form, notice)
    data = form.cleaned_data
    community = data.get("community")
    period = data.get("period") or str(DEFAULT_MONTHS)
    if period == DATES:
        start, end = data["start"], data["end"]
    else:
        start, end = dashboard.months_back(today, int(period)), today
    return Choice(Filters(start=start, end=end, community=community), form, "")


def _share(part: int, total: int) -> int | None:
    return round(100 * part / total) if total else None


def _charts(figures: dashboard.Figures, filters: Filters) -> list[charts.Chart]:
    span = {
        "start": date_format(filters.start, "SHORT_DATE_FORMAT"),
        "end": date_format(filters.end, "SHORT_DATE_FORMAT"),
    }
    weeks = figures.weekly()
    total = sum(count for _week, count in weeks)
    busiest = max(weeks, key=lambda week: week[1], default=None)
    description = ngettext(
        "%(total)s alerte du %(start)s au %(end)s.",
        "%(total)s alertes du %(start)s au %(end)s.",
        total,
    ) % {"total": total, **span}
    if busiest and busiest[1]:
        description += " " + _("Semaine la plus chargée : celle du %(week)s (%(count)s).") % {
            "week": date_format(busiest[0], "SHORT_DATE_FORMAT"),
            "count": busiest[1],
        }
    # A week belongs to the month of its Thursday; a month is labelled under its first
    # week, every other month when there are many.
    months_of_weeks = [(monday + datetime.timedelta(days=3)).month for monday, _count in weeks]
    firsts = [
        index
        for index, month in enumerate(months_of_weeks)
        if index == 0 or month != months_of_weeks[index - 1]
    ]
    every = 2 if len(firsts) > 6 else 1
    ticks = [""] * len(weeks)
    for number, index in enumerate(firsts):
        if number % every == 0:
            ticks[index] = date_format(weeks[index][0] + datetime.timedelta(days=3), "M")
    result = [
        charts.columns(
            "chart-weeks",
            _("Alertes par semaine"),
            description,
            [(date_format(monday, "SHORT_DATE_FORMAT"), count) for monday, count in weeks],
            (_("Semaine du"), _("Alertes")),
            tick_labels=ticks,
        )
    ]
    categories = figures.by_category()
    result.append(
        charts.bars(
            "chart-categories",
            _("Alertes par catégorie"),
            "; ".join(f"{label} : {count}" for _value, label, count in categories),
            [(label, count) for _value, label, count in categories],
            (_("Catégorie"), _("Alertes")),
        )
    )
    if filters.community is None:
        top, others = figures.by_community()
        points = list(top)
        if others:
            points.append((_("Les autres communautés"), others))
        result.append(
            charts.bars(
                "chart-communities",
                _("Les communautés qui ont eu le plus d'alertes"),
                "; ".join(f"{name} : {count}" for name, count in points)
                or _("Aucune alerte sur la période."),
                points,
                (_("Communauté"), _("Alertes")),
            )
        )
    cells = figures.places()
    located = sum(count for _lat, _lng, count in cells)
    drawn = cells[: dashboard.MAP_PLACES]
    description = ngettext(
        "%(located)s alerte sur %(total)s avait un lieu, réparties en %(places)s "
        "endroits (carrés d'environ 110 m) ; plus le point est grand, plus il y a "
        "eu d'alertes ; les cadres sont les communautés. Le nord est en haut.",
        "%(located)s alertes sur %(total)s avaient un lieu, réparties en %(places)s "
        "endroits (carrés d'environ 110 m) ; plus le point est grand, plus il y a "
        "eu d'alertes ; les cadres sont les communautés. Le nord est en haut.",
        located,
    ) % {"located": located, "total": total, "places": len(cells)}
    if len(drawn) < len(cells):
        description += " " + _(
            "La carte et le tableau montrent les %(count)s endroits qui ont eu le plus d'alertes."
        ) % {"count": len(drawn)}
    result.append(
        charts.scatter(
            "chart-places",
            _("Où ont eu lieu les alertes"),
            description,
            drawn,
            figures.bounding_box(),
            (_("Latitude"), _("Longitude"), _("Alertes")),
            outlines=figures.community_boxes(),
        )
    )
    months = figures.growth()
    month_label = [date_format(month, "F Y") for month, _members, _communities in months]
    month_ticks = [date_format(month, "M") for month, _members, _communities in months]
    last = months[-1] if months else None
    result.append(
        charts.line(
            "chart-members",
            _("Membres à la fin de chaque mois"),
            _("De %(first)s à %(last)s membres.") % {"first": months[0][1], "last": last[1]}
            if last
            else "",
            [
                (label, members)
                for label, (_m, members, _c) in zip(month_label, months, strict=True)
            ],
            (_("Mois"), _("Membres")),
            tick_labels=month_ticks,
        )
    )
    if filters.community is None:
        result.append(
            charts.line(
                "chart-communities-growth",
                _("Communautés à la fin de chaque mois"),
                _("De %(first)s à %(last)s communautés.") % {"first": months[0][2], "last": last[2]}
                if last
                else "",
                [
                    (label, created)
                    for label, (_m, _members, created) in zip(month_label, months, strict=True)
                ],
                (_("Mois"), _("Communautés")),
                tick_labels=month_ticks,
            )
        )
    return result


def _figures_html(town_hall: TownHall, filters: Filters) -> SafeString:
    """The dashboard's numbers and charts, as HTML: the same for every agent of the
    town hall, so it is shared between them (core/pagecache.shared)."""
    figures = dashboard.figures(town_hall, filters)
    response = figures.response()
    context = {
        "response": response,
        "town_hall_share": _share(response["town_hall"], response["total"]),
        "referents_share": _share(response["referents"], response["total"]),
        "charts": _charts(figures, filters),
    }
    # Kept as it is: a SafeString stays one through the cache's pickling.
    return render_to_string("townhalls/dashboard_figures.html", context)


@agent_page
def dashboard_page(request: AgentRequest):
    town_hall = request.town_hall
    choice = choose(request)
    filters = choice.filters
    community = filters.community.pk if filters.community is not None else None
    figures = pagecache.shared(
        # Whatever the dashboard counts bumps the commune's version: its communities,
        # their members and alerts, the town hall's and the référents' reads.
        [pagecache.commune(town_hall.commune_id)],
        "townhalls.dashboard",
        (town_hall.pk, filters.start, filters.end, community),
        partial(_figures_html, town_hall, filters),
    )
    context = {
        "town_hall": town_hall,
        "form": choice.form,
        "notice": choice.notice,
        "filters": filters,
        "figures": figures,
        "query": request.GET.urlencode() if not choice.notice else "",
    }
    return render(request, "townhalls/dashboard.html", context)


def csv_cell(value) -> str | int:
    """A cell no spreadsheet runs as a formula: text starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe."""
    if isinstance(value, int):
        return value
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@agent_required
def dashboard_export(request: AgentRequest):
    town_hall = request.town_hall
    filters = choose(request).filters
    name = f"tableau-de-bord-{town_hall.commune.slug}-{filters.start}-{filters.end}.csv"
    header = [
        _("semaine du"),
        _("communauté"),
        _("catégorie"),
        _("alertes"),
        _("vues par la mairie"),
        _("vues par un référent"),
    ]
    response = StreamingHttpResponse(
        _csv_lines(header, dashboard.table_rows(town_hall, filters)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Line:
    """What csv.writer writes to: the line it was given, kept for the response."""

    def write(self, text: str) -> str:
        return text


CSV_CHUNK_ROWS = 500  # lines sent together: fewer, larger writes


def _csv_lines(header: list[str], rows):
    writer = csv.writer(_Line())
    # Excel reads the accents right with the byte order mark.
    lines = ["\ufeff" + writer.writerow(header)]
    for row in rows:
        lines.append(writer.writerow([csv_cell(value) for value in row]))
        if len(lines) >= CSV_CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
