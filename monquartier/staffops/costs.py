"""What SMS, calls and USSD sessions cost us, for the staff: per alert, and month by month per community
and per town hall. Read-only sums over the counted rows (outbox.Delivery.cost for the
outbox's SMS, TextMessage.cost for the SMS sent outside it, VoiceCall.cost for calls), in
francs CFA. An SMS is counted in the month it was sent.

A community's month: its alerts' SMS (to members, twinned communities and its town hall's
contacts), the counted SMS sent on its behalf (replies, consents) and its members' voice
calls and USSD sessions (USSD_SESSION_PRICE each; the sessions of numbers of no member
count in the total only). A town hall's month: the communities of its commune, plus its announcements' SMS."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from monquartier.alerts.models import Alert
from monquartier.communities.models import Community
from monquartier.outbox.models import Channel, Delivery, TextMessage, VoiceCall
from monquartier.townhalls.models import TownHall
from monquartier.ussd.models import UssdSession

ZERO = Decimal("0")
# The report lists this many communities, and the costliest alerts of the month.
MAX_ROWS = 500
TOP_ALERTS = 20


@dataclass
class Totals:
    sms: int = 0
    sms_cost: Decimal = ZERO
    calls: int = 0
    calls_cost: Decimal = ZERO
    unpriced: int = 0  # SMS sent through a provider without a price in SMS_PRICES
    ussd: int = 0
    ussd_cost: Decimal = ZERO

    @property
    def cost(self) -> Decimal:
        return self.sms_cost + self.calls_cost + self.ussd_cost

    def add(self, other: "Totals") -> None:
        self.sms += other.sms
        self.sms_cost += other.sms_cost
        self.calls += other.calls
        self.calls_cost += other.calls_cost
        self.unpriced += other.unpriced
        self.ussd += other.ussd
        self.ussd_cost += other.ussd_cost


@dataclass
class Line:
    label: str
    totals: Totals
    object_id: int | None = None


@dataclass
class MonthReport:
    month: date
    communities: list[Line] = field(default_factory=list)
    town_halls: list[Line] = field(default_factory=list)
    alerts: list[Line] = field(default_factory=list)
    total: Totals = field(default_factory=Totals)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month.replace(day=1), time.min))
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(datetime.combine(following, time.min))


def _sent_sms(start: datetime, end: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(channel=Channel.SMS, sent_at__gte=start, sent_at__lt=end)


_SMS_SUMS = {
    "n": Count("id"),
    "total": Sum("cost"),
    "unpriced": Count("id", filter=Q(cost__isnull=True)),
}


def month_report(month: date) -> MonthReport:
    """Seven grouped queries, whatever the number of SMS, plus two for the names."""
    start, end = month_bounds(month)
    by_community: dict[int, Totals] = {}

    def totals_of(community_id: int) -> Totals:
        return by_community.setdefault(community_id, Totals())

    sent = _sent_sms(start, end)
    for row in sent.filter(alert__isnull=False).values("alert__community").annotate(**_SMS_SUMS):
        totals = totals_of(row["alert__community"])
        totals.sms += row["n"]
        totals.sms_cost += row["total"] or ZERO
        totals.unpriced += row["unpriced"]
    for row in (
        TextMessage.objects.filter(
            created_at__gte=start, created_at__lt=end, community__isnull=False
        )
        .values("community")
        .annotate(**_SMS_SUMS)
    ):
        totals = totals_of(row["community"])
        totals.sms += row["n"]
        totals.sms_cost += row["total"] or ZERO
        totals.unpriced += row["unpriced"]
    for row in (
        VoiceCall.objects.filter(created_at__gte=start, created_at__lt=end, community__isnull=False)
        .values("community")
        .annotate(n=Count("id"), total=Sum("cost"))
    ):
        totals = totals_of(row["community"])
        totals.calls += row["n"]
        totals.calls_cost += row["total"] or ZERO
    price = Decimal(settings.USSD_SESSION_PRICE)
    strangers = Totals()
    for row in (
        UssdSession.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("community")
        .annotate(n=Count("id"))
    ):
        totals = strangers if row["community"] is None else totals_of(row["community"])
        totals.ussd += row["n"]
        totals.ussd_cost += row["n"] * price

    report = MonthReport(month=month.replace(day=1))
    report.total.add(strangers)
    communities = Community.objects.filter(pk__in=by_community).values_list("pk", "name", "commune")
    by_commune: dict[int, Totals] = {}
    for pk, name, commune_id in communities:
        totals = by_community[pk]
        report.communities.append(Line(name, totals, pk))
        by_commune.setdefault(commune_id, Totals()).add(totals)
        report.total.add(totals)
    report.communities.sort(key=lambda line: (-line.totals.cost, line.label))
    del report.communities[MAX_ROWS:]

    announcements = {
        row["announcement__town_hall"]: row
        for row in sent.filter(announcement__isnull=False)
        .values("announcement__town_hall")
        .annotate(**_SMS_SUMS)
    }
    town_halls = TownHall.objects.filter(
        Q(commune__in=by_commune) | Q(pk__in=announcements)
    ).values_list("pk", "name", "commune")
    for pk, name, commune_id in town_halls:
        totals = Totals()
        totals.add(by_commune.get(commune_id, Totals()))
        if (own_row := announcements.get(pk)) is not None:
            own = Totals(
                sms=own_row["n"],
                sms_cost=own_row["total"] or ZERO,
                unpriced=own_row["unpriced"],
            )
            totals.add(own)
            report.total.add(own)
        report.town_halls.append(Line(name, totals, pk))
    report.town_halls.sort(key=lambda line: (-line.totals.cost, line.label))

    costliest = (
        sent.filter(alert__isnull=False)
        .values("alert")
        .annotate(**_SMS_SUMS)
        .order_by("-total", "-alert")[:TOP_ALERTS]
    )
    for row in costliest:
        totals = Totals(sms=row["n"], sms_cost=row["total"] or ZERO, unpriced=row["unpriced"])
        report.alerts.append(Line(f"#{row['alert']}", totals, row["alert"]))
    return report


@dataclass
class ProviderLine:
    provider: str
    sms: int
    delivered: int
    failed: int
    cost: Decimal


@dataclass
class AlertCosts:
    alert: Alert
    providers: list[ProviderLine]
    total: Totals


def alert_costs(alert: Alert) -> AlertCosts:
    """An alert's SMS by provider (with what the receipts said), and its calls."""
    rows = (
        Delivery.objects.filter(alert=alert, channel=Channel.SMS, sent_at__isnull=False)
        .values("sms_provider")
        .annotate(
            **_SMS_SUMS,
            delivered=Count("id", filter=Q(status="delivered")),
            failed=Count("id", filter=Q(status="failed")),
        )
        .order_by("sms_provider")
    )
    total = Totals()
    providers = []
    for row in rows:
        providers.append(
            ProviderLine(
                row["sms_provider"], row["n"], row["delivered"], row["failed"], row["total"] or ZERO
            )
        )
        total.sms += row["n"]
        total.sms_cost += row["total"] or ZERO
        total.unpriced += row["unpriced"]
    calls = VoiceCall.objects.filter(delivery__alert=alert).aggregate(
        n=Count("id"), total=Sum("cost")
    )
    total.calls = calls["n"]
    total.calls_cost = calls["total"] or ZERO
    return AlertCosts(alert=alert, providers=providers, total=total)
