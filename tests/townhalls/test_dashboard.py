"""The town hall's dashboard: its numbers on a small known data set, its filters, its
charts' text alternatives, the CSV export, and a query count that does not grow."""

import csv
import datetime
import io
import itertools
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.demo import named_logins
from monquartier.accounts.models import User
from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities.models import Community, Membership
from monquartier.townhalls import charts, dashboard, demo_history, stats
from monquartier.townhalls.dashboard import Filters
from monquartier.townhalls.dashboard_views import csv_cell
from monquartier.townhalls.demo import DEMO_AGENT_EMAIL
from monquartier.townhalls.models import TownHall
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("townhalls:dashboard")
EXPORT = reverse("townhalls:dashboard_export")


def _alert(community, sender, category, days, **fields):
    created_at = timezone.now() - timedelta(days=days)
    return Alert.objects.create(
        community=community,
        sender=sender,
        category=category,
        text="Une alerte de test",
        created_at=created_at,
        fanned_out_at=created_at,
        **fields,
    )


@pytest.fixture
def known(riviera, riviera3, awa, yao, koffi, aya, issa, aicha):
    """Riviera 2: 3 burglaries (two with a place, at the same spot), a theft 40 days ago,
    one hidden and one correction (neither counted); Riviera 3: a fire. Yopougon: one
    alert (another commune), and one alert of Riviera 2 of 400 days ago (out of the
    default period). The town hall saw two; référents opened two (Awa one of hers, Koffi
    his); Yao's read is no référent's."""
    yopougon = factories.make_community(
        issa, name="Niangon", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )
    place = {"latitude": 5.35901, "longitude": -3.96102}
    first = _alert(riviera, yao, "burglary", 2, town_hall_seen_at=timezone.now(), **place)
    second = _alert(riviera, yao, "burglary", 10, **place)
    _alert(riviera, awa, "burglary", 10, town_hall_seen_at=timezone.now())
    theft = _alert(riviera, yao, "theft", 40)
    _alert(riviera, yao, "theft", 5, hidden_at=timezone.now())
    _alert(riviera, yao, "theft", 5, corrects=theft)
    fire = _alert(riviera3, aya, "fire", 3, latitude=5.3590, longitude=-3.9538)
    _alert(yopougon, issa, "fire", 3)
    _alert(riviera, yao, "theft", 400)
    AlertRead.objects.create(alert=first, user=awa)
    AlertRead.objects.create(alert=second, user=yao)
    AlertRead.objects.create(alert=fire, user=koffi)
    AlertRead.objects.create(alert=theft, user=aya)  # aya is no référent of Riviera 2
    return {"riviera": riviera, "riviera3": riviera3, "yopougon": yopougon}


def _filters(**fields):
    today = timezone.localdate()
    return Filters(start=dashboard.months_back(today, 12), end=today, **fields)


def test_the_numbers_of_each_chart(known, cocody_town_hall):
    filters = _filters()
    weeks = dashboard.weekly(cocody_town_hall, filters)
    assert sum(count for _monday, count in weeks) == 5
    today = timezone.localdate()
    assert all(monday.weekday() == 0 for monday, _count in weeks)
    assert weeks[0][0] <= filters.start < weeks[0][0] + timedelta(days=7)
    assert weeks[-1][0] <= today < weeks[-1][0] + timedelta(days=7)
    assert [b - a for (a, _c), (b, _d) in itertools.pairwise(weeks)] == [timedelta(days=7)] * (
        len(weeks) - 1
    )
    ten_days_ago = today - timedelta(days=10)
    monday = ten_days_ago - timedelta(days=ten_days_ago.weekday())
    assert dict(weeks)[monday] >= 2
    categories = {
        value: count for value, _label, count in dashboard.by_category(cocody_town_hall, filters)
    }
    assert categories == {
        "burglary": 3,
        "theft": 1,
        "fire": 1,
        "suspicious": 0,
        "assault": 0,
        "missing": 0,
        "utility": 0,
        "other": 0,
    }
    top, others = dashboard.by_community(cocody_town_hall, filters)
    assert top == [("Riviera 2", 4), ("Riviera 3", 1)] and others == 0
    assert dashboard.places(cocody_town_hall, filters) == [
        (5.359, -3.961, 2),
        (5.359, -3.954, 1),
    ]
    south, north, west, east = dashboard.bounding_box(cocody_town_hall, filters)
    assert south < 5.359 < north and west < -3.961 < -3.954 < east
    assert dashboard.response(cocody_town_hall, filters) == {
        "total": 5,
        "town_hall": 2,
        "referents": 2,
    }
    months = dashboard.growth(cocody_town_hall, filters)
    assert len(months) == 12
    # Awa, Yao, Koffi and Aya joined today: members and communities of this month only.
    assert months[-1][1:] == (4, 2)
    assert months[0][1:] == (0, 0)


def test_members_who_left_are_no_longer_counted(riviera, yao, cocody_town_hall):
    Membership.objects.filter(user=yao).update(
        joined_at=timezone.now() - timedelta(days=70), status="left", ended_at=timezone.now()
    )
    months = dashboard.growth(cocody_town_hall, _filters())
    assert months[-1][1] == 1  # Awa only
    assert months[-2][1] + months[-3][1] >= 1  # Yao was counted before leaving


def test_the_page_draws_every_chart_with_its_text_alternative(client, known, aicha):
    factories.log_in(client, aicha)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    svgs = re.findall(r"<svg [^>]*role=\"img\"[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        key = re.search(r'aria-labelledby="(\S+)-title \1-desc"', svg).group(1)
        assert f'<title id="{key}-title">' in svg and f'<desc id="{key}-desc">' in svg
        assert 'viewBox="0 0 360 ' in svg
        assert "<script" not in svg
    assert page.count("<details>") == 6 and page.count("<caption>") == 6
    assert "5 alertes du" in page
    assert "Vues par la mairie : 40 % (2 sur 5)" in page
    assert "Vues par les référents : 40 % (2 sur 5)" in page
    assert "au moins un référent actuel de sa communauté" in page
    assert "<td>Riviera 2</td><td>4</td>" in page
    assert '<option value="12" selected>' in page
    assert "Niangon" not in page


def test_filters_by_period_and_community(client, known, aicha):
    factories.log_in(client, aicha)
    today = timezone.localdate()
    page = client.get(URL, {"period": "3"}).content.decode()
    start = dashboard.months_back(today, 3)
    assert start.strftime("%d/%m/%Y") in page and "5 alertes sur la période" in page
    dates = {
        "period": "dates",
        "start": (today - timedelta(days=12)).isoformat(),
        "end": (today - timedelta(days=4)).isoformat(),
    }
    page = client.get(URL, dates).content.decode()
    assert "2 alertes sur la période" in page
    riviera3 = known["riviera3"]
    page = client.get(URL, {"period": "12", "community": riviera3.pk}).content.decode()
    assert "1 alerte sur la période" in page
    assert "Riviera 3" in page and 'id="chart-communities-title"' not in page
    # A future end stops today; more than two years is refused.
    future = {"period": "dates", "start": dates["start"], "end": "2099-01-01"}
    page = client.get(URL, future).content.decode()
    assert "4 alertes sur la période" in page and 'role="alert"' not in page
    too_long = {"period": "dates", "start": "2020-01-01", "end": today.isoformat()}
    page = client.get(URL, too_long).content.decode()
    assert "ne peut pas dépasser deux ans" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "99"}, "La période par défaut est affichée."),
        ({"period": "dates", "start": "2026-05-01"}, "Indiquez les deux dates"),
        (
            {"period": "dates", "start": "2026-05-02", "end": "2026-05-01"},
            "La période doit finir après son début.",
        ),
        ({"period": "dates", "start": "pas une date", "end": "2026-05-01"}, "par défaut"),
        ({"community": "abc"}, "par défaut"),
    ],
)
def test_bad_filters_fall_back_to_the_default_with_a_message(client, known, aicha, query, message):
    factories.log_in(client, aicha)
    response = client.get(URL, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "5 alertes sur la période" in page
    assert 'role="alert"' in page


def test_a_community_of_another_commune_is_404_and_strangers_get_nothing(client, known, aicha, yao):
    factories.log_in(client, aicha)
    yopougon = known["yopougon"]
    assert client.get(URL, {"community": yopougon.pk}).status_code == 404
    assert client.get(EXPORT, {"community": yopougon.pk}).status_code == 404
    assert client.get(URL, {"community": 999_999}).status_code == 404
    factories.log_in(client, yao)
    assert client.get(URL).status_code == 404
    assert client.get(EXPORT).status_code == 404
    client.logout()
    assert client.get(URL).status_code in (302, 404)


def test_an_ended_partnership_closes_the_dashboard(client, aicha, cocody_town_hall):
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    factories.log_in(client, aicha)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_csv_export_has_one_row_per_week_community_and_category(client, known, aicha):
    Community.objects.filter(pk=known["riviera3"].pk).update(name='=HYPERLINK("x")')
    factories.log_in(client, aicha)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "semaine du",
        "communauté",
        "catégorie",
        "alertes",
        "vues par la mairie",
        "vues par un référent",
    ]
    body = rows[1:]
    assert sum(int(row[3]) for row in body) == 5
    assert sum(int(row[4]) for row in body) == 2 and sum(int(row[5]) for row in body) == 2
    fires = [row for row in body if row[2] == "Incendie"]
    assert len(fires) == 1 and fires[0][1] == '\'=HYPERLINK("x")'
    for row in body:
        datetime.date.fromisoformat(row[0])
        assert row[1][:1] not in ("=", "+", "-", "@")
    burglaries = [row for row in body if row[2] == "Cambriolage"]
    # Two weeks: the one of 2 days ago, the one of 10 days ago (two alerts).
    assert sorted(int(row[3]) for row in burglaries) == [1, 2]
    assert [row[0] for row in body] == sorted(row[0] for row in body)
    # Same filters as the page.
    only_riviera3 = client.get(EXPORT, {"community": known["riviera3"].pk})
    assert (
        len(
            list(
                csv.reader(
                    io.StringIO(b"".join(only_riviera3.streaming_content).decode("utf-8-sig"))
                )
            )
        )
        == 2
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33", "'+33"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Riviera", "Riviera"),
        (3, 3),
        (datetime.date(2026, 1, 5), "2026-01-05"),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    assert csv_cell(value) == cell


def _grow(commune_slug: str, count: int, start: int):
    for number in range(start, start + count):
        referent = factories.make_user(f"Ref{number}", "Test", email=f"ref{number}@exemple.ci")
        community = factories.make_community(
            referent,
            name=f"Quartier {number}",
            centre=(5.30 + number * 0.02, -3.99),
            commune_slug=commune_slug,
        )
        member = factories.add_member(community, email=f"m{number}@exemple.ci")
        for days in (3, 20, 200):
            _alert(community, member, "theft", days, latitude=5.30 + number * 0.02, longitude=-3.99)


PAGE_QUERIES = 8  # session, user, agent, the community filter, then 4 of the figures
CSV_QUERIES = 5  # session, user, agent, the community filter, the rows


def _csv(client, *args):
    return b"".join(client.get(EXPORT, *args).streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("aggregated", [False, True])
def test_the_query_count_does_not_grow_with_communities_alerts_and_days(
    client, known, aicha, django_assert_num_queries, aggregated
):
    factories.log_in(client, aicha)
    _grow("cocody", 12, 1)
    if aggregated:
        stats.backfill()
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(URL)
    assert "41 alertes sur la période" in page.content.decode()
    with django_assert_num_queries(CSV_QUERIES):
        _csv(client)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(URL, {"community": known["riviera"].pk})
    two_years = {"period": "dates", "start": str(timezone.localdate() - timedelta(days=700))}
    two_years["end"] = str(timezone.localdate())
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL, two_years).status_code == 200


def test_the_demo_history_is_a_year_of_past_alerts_that_floods_no_one(client):
    call_command("load_demo_data", stdout=io.StringIO())
    now = timezone.now()
    history = Alert.objects.filter(
        community__commune__slug="cocody", created_at__lt=now - demo_history.NEWEST
    )
    total = history.count()
    assert total == 3 * demo_history.PER_COMMUNITY
    assert not history.filter(fanned_out_at__isnull=True).exists()
    assert history.filter(latitude__isnull=False).count() > total / 2
    assert history.filter(created_at__lt=now - timedelta(days=300)).exists()
    assert len(set(history.values_list("category", flat=True))) == 8
    assert 0.2 * total < history.filter(town_hall_seen_at__isnull=False).count() < 0.8 * total
    assert (
        not Alert.objects.filter(community__commune__slug="yopougon")
        .filter(created_at__lt=now - demo_history.NEWEST)
        .exists()
    )
    # Every sender was a member when they sent it.
    assert not history.filter(
        sender__memberships__community=F("community"),
        sender__memberships__joined_at__gt=F("created_at"),
    ).exists()
    # Idempotent: loading again adds nothing.
    assert demo_history.create_demo_history() == 0
    # The recent demo alerts: two for each of the 10 demo communities (and one held by the
    # safeguards, sent to no one).
    assert Alert.objects.visible().count() == total + 20
    # A member of Riviera 2 has read every past alert: their home page shows the recent
    # ones only as unread.
    yao = User.objects.get(email=named_logins()[1][1])
    membership = Membership.objects.get(user=yao)
    assert not membership.is_referent
    unread_past = history.filter(community=membership.community).exclude(reads__user=yao)
    assert not unread_past.exclude(sender=yao).exists()
    factories.log_in(client, yao)
    home = client.get("/").content.decode()
    assert home.count("is-unread") <= 5
    # Their référent opened all of the last two months' alerts.
    awa = User.objects.get(email=named_logins()[0][1])
    assert Membership.objects.get(user=awa).is_referent
    recent_past = history.filter(
        community=membership.community, created_at__gte=now - timedelta(days=59)
    ).exclude(sender=awa)
    assert recent_past.exists() and not recent_past.exclude(reads__user=awa).exists()
    # The agent's dashboard shows the year.
    agent = User.objects.get(email=DEMO_AGENT_EMAIL)
    factories.log_in(client, agent)
    page = client.get(URL).content.decode()
    town_hall = TownHall.objects.get(commune__slug="cocody")
    numbers = dashboard.response(town_hall, _filters())
    assert numbers["total"] > 200 and f"{numbers['total']} alertes sur la période" in page
    assert numbers["total"] / 2 < numbers["referents"] < numbers["total"]
    months = dashboard.growth(town_hall, _filters())
    assert months[0][1] < months[-1][1] and months[0][2] == 3


def test_charts_escape_their_text_and_scale_to_whole_numbers():
    chart = charts.bars(
        "c", "Titre <b>", "Desc & co", [("<script>alert(1)</script>", 3), ("B", 0)], ("a", "b")
    )
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert '<title id="c-title">Titre &lt;b&gt;</title>' in chart.svg
    assert "Desc &amp; co" in chart.svg
    assert [charts.nice_ceiling(value) for value in (0, 1, 3, 7, 11, 49, 120)] == [
        1,
        1,
        5,
        10,
        20,
        50,
        200,
    ]
    empty = charts.scatter("m", "Carte", "Rien", [], None, ("x", "y", "z"))
    assert empty.rows == [] and 'role="img"' in empty.svg
    line = charts.line("l", "Membres", "d", [("Jan", 4), ("Fév", 11)], ("m", "n"))
    assert ">11</text>" in line.svg and "<polyline" in line.svg


def test_a_charts_table_writes_its_cells_as_the_template_would():
    chart = charts.scatter(
        "m",
        "Carte",
        "d",
        [(5.345, -3.99, 2), (5.346, -3.99, 2)],
        (5.3, 5.4, -4.0, -3.9),
        ("a", "b", "c"),
    )
    assert chart.table_body() == (
        "<tr><td>5,345</td><td>-3,99</td><td>2</td></tr>\n      "
        "<tr><td>5,346</td><td>-3,99</td><td>2</td></tr>\n      "
    )
    named = charts.bars("c", "t", "d", [("<b>Riviera</b>", 1)], ("a", "b"))
    assert named.table_body() == "<tr><td>&lt;b&gt;Riviera&lt;/b&gt;</td><td>1</td></tr>\n      "


RELOAD = {"HTTP_CACHE_CONTROL": "no-cache"}  # a browser's reload: the page is rendered
FIGURE_QUERIES = 4  # PAGE_QUERIES's figures, which the town hall's agents share


def test_agents_share_the_figures_and_see_a_change_at_once(
    client, known, aicha, cocody_town_hall, riviera, yao, django_assert_num_queries
):
    other = factories.make_agent(cocody_town_hall, "Kouadio", "Brou", email="kb@mairie-cocody.ci")
    factories.log_in(client, aicha)
    with django_assert_num_queries(PAGE_QUERIES):
        first = client.get(URL, **RELOAD).content.decode()
    # The other agent's page is rendered (its own header, form and token), its figures are
    # those already counted; so are a reload's.
    factories.log_in(client, other)
    with django_assert_num_queries(PAGE_QUERIES - FIGURE_QUERIES):
        second = client.get(URL, **RELOAD).content.decode()
    assert "5 alertes sur la période" in first and "5 alertes sur la période" in second
    assert _figures(second) == _figures(first)
    with django_assert_num_queries(PAGE_QUERIES - FIGURE_QUERIES):
        client.get(URL, **RELOAD)

    _alert(riviera, yao, "theft", 1)  # bumps the commune's version
    with django_assert_num_queries(PAGE_QUERIES):
        after = client.get(URL, **RELOAD).content.decode()
    assert "6 alertes sur la période" in after


def test_shared_figures_are_kept_per_language_and_per_filter(client, known, aicha):
    factories.log_in(client, aicha)
    french = client.get(URL, **RELOAD).content.decode()
    riviera_only = client.get(URL, {"community": known["riviera"].pk}, **RELOAD).content.decode()
    User.objects.filter(pk=aicha.pk).update(language="en")
    english = client.get(URL, **RELOAD).content.decode()
    assert "5 alertes sur la période" in french
    assert "4 alertes sur la période" in riviera_only
    assert "5 alerts in the period" in english


def _figures(page: str) -> str:
    """From the numbers to the last chart (the page's own forms come before and after)."""
    return page[page.index("Suivi des alertes") : page.rindex("</figure>")]
