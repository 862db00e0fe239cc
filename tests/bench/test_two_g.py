"""The 2G benchmark (bench/two_g.py) at a tiny size: one run of every visit, in Chromium
with a light emulation (a fast network, no CPU slowdown), through nginx with the
deployment guide's server block in front of the live test server (static files copied
by collectstatic, without the hashed names production has). It checks that every figure
is there and measured, that the repeat visits went through the service worker, and that
the bytes nginx counted are those of the pages visited."""

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from bench import two_g
from bench.lib.nginx import NGINX, Nginx, readable_by_nginx
from bench.lib.processes import free_port
from monquartier.alerts.models import Alert

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(NGINX).exists(), reason=f"{NGINX} missing (make nginx)"),
]

LIGHT = two_g.Network(down_kbit=20_000, up_kbit=5_000, latency_ms=20, cpu_slowdown=1)
SERIES = ("alert.first", "alert.repeat", "home.first", "home.repeat", "send.first", "send.repeat")
FIGURES = ("shown.median", "shown.worst", "response_end", "fcp", "bytes")


@pytest.fixture
def proxy(live_server, settings):
    port = free_port()
    # nginx hands the server `Host: $host`, without the port the browser's Origin has.
    settings.CSRF_TRUSTED_ORIGINS = [f"http://127.0.0.1:{port}"]
    # Not under pytest's tmp_path: nginx runs as nobody, and every pytest session on the
    # machine makes pytest's base folder private again.
    served = Path(tempfile.mkdtemp(prefix="test-twog-"))
    media, static = served / "media", served / "static"
    media.mkdir()
    # Every app's static files, copied (the test settings' storage neither hashes nor
    # compresses: a second or so).
    settings.STATIC_ROOT = static
    call_command("collectstatic", interactive=False, verbosity=0)
    readable_by_nginx(static, media)
    try:
        with Nginx(urlsplit(live_server.url).port, static, media, port=port) as nginx:
            yield nginx
    finally:
        shutil.rmtree(served, ignore_errors=True)


def test_one_run_of_every_visit_gives_every_figure(communes, proxy, browser):
    data = two_g.create_data(senders=1)
    alerts_before = Alert.objects.count()
    states = two_g.sign_in(browser, proxy.url, data, senders=1)

    series, problems = two_g.measure(browser, proxy, data, states, runs=1, network=LIGHT)
    rows = [row for item in series.values() for row in two_g.series_rows(item, LIGHT)]

    assert problems == []
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {f"2g.{key}.{name}" for key in SERIES for name in FIGURES}
    assert all(by_id[f"2g.{key}.shown.median"]["value"] > 0 for key in SERIES)
    assert by_id["2g.alert.first.shown.median"]["target"] == "≤ 4 s"
    assert by_id["2g.alert.repeat.shown.median"]["target"] == "≤ 2 s"
    assert by_id["2g.send.repeat.shown.median"]["target"] == "≤ 3 s"
    # The repeat visit's alert went through the worker, and only its HTML was downloaded.
    # (Chromium may check the worker's script for an update meanwhile: on a busy machine
    # it sometimes does, and the answer is a 304 with no body.)
    [repeat] = series["alert.repeat"].measures
    assert repeat.through_worker
    requests = [line.split()[:3] for line in repeat.requests]
    assert [request for request in requests if request != ["GET", "/sw.js", "304"]] == [
        ["GET", f"/alertes/{data['alerts'][2]}/", "200"]
    ]
    [first] = series["alert.first"].measures
    assert any("/static/css/" in line for line in first.requests)
    assert first.bytes > repeat.bytes
    # Each send saved an alert and showed its confirmation.
    assert Alert.objects.count() == alerts_before + 2
    assert all(
        m.redirects == 1 for m in series["send.first"].measures + series["send.repeat"].measures
    )


def test_the_benchmark_is_registered():
    from bench import run

    assert run.BENCHMARKS["2g"] == "bench.two_g"


def test_a_visit_that_times_out_says_what_was_still_loading(proxy, browser, monkeypatch):
    monkeypatch.setattr(two_g, "WAIT_MS", 1500)
    context = browser.new_context(base_url=proxy.url)
    page = context.new_page()
    # The page's style sheet never comes: its load event never fires.
    page.route("**/stuck.css", lambda route: None)
    page.route(
        "**/waiting/",
        lambda route: route.fulfill(
            content_type="text/html", body='<link rel="stylesheet" href="/stuck.css"><p>…</p>'
        ),
    )
    try:
        with (
            pytest.warns(UserWarning, match="visited again after a timeout"),
            pytest.raises(two_g.VisitTimedOut) as raised,
        ):
            two_g.visit(page, proxy, "/waiting/", again=True)
    finally:
        context.close()
    report = str(raised.value)
    assert report.startswith("/waiting/: ")
    assert "the browser still waited for:\n  GET http://127.0.0.1:" in report
    assert "/stuck.css (a stylesheet, for " in report
    assert "nginx had 0 request(s) in flight" in report
