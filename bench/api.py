"""The API for apps (issue 14): the alert list and an alert's detail through /api/v1/,
beside the same pages of the website and the bare view, in one run on the same gunicorn
(bench/pages.py's production-like site and scale data), and the bytes of a typical answer.

1. The site of bench/pages.py (scale data, gunicorn as the deployment guide runs it).
2. A device token for each sampled member, written straight into accounts_devicetoken as
   a sign-in makes them (sha256 of a random secret); deleted at the end.
3. Phases, each `connections` clients for `seconds`: the bare view, the API's list, the
   API's detail, the website's list and detail, the bare view again; each but the bare
   view twice, as bench/pages.py's VARIANTS: a plain GET ("repeat visit", which a cache
   may answer) and one with `Cache-Control: no-cache` ("rendered"). Figures: requests/s
   per core and server time p95 (as the pages'), queries per request, the share of the
   bare view's throughput; the compressed and raw bytes of a list and a detail.
"""

import argparse
import functools
import gzip
import http.client
import re
import secrets
from typing import Any

from django.db import connection

from bench import http_client, scale
from bench.lib.figures import figure
from bench.pages import (
    CONNECTIONS,
    MEMBERS_SAMPLED,
    PAGE_SECONDS,
    PROXY_HEADERS,
    QUICK_MEMBERS_SAMPLED,
    QUICK_PAGE_SECONDS,
    VARIANTS,
    Site,
    join_notes,
    mean_p95,
    page_rows,
    start_site,
    with_headers,
)
from monquartier.accounts.models import DeviceToken

_row = functools.partial(figure, "api")
DEVICE_NAME = "bench"
# What a typical list or detail weighs on the wire, compressed (2G: every byte counts).
TARGET_LIST_BYTES = 4096
TARGET_DETAIL_BYTES = 1024


def issue_tokens(members: list[scale.Member]) -> dict[int, str]:
    """user id → the Authorization header of a fresh device token."""
    secrets_by_user = {member.user_id: secrets.token_urlsafe(32) for member in members}
    DeviceToken.objects.filter(name=DEVICE_NAME).delete()
    DeviceToken.objects.bulk_create(
        DeviceToken(user_id=user_id, name=DEVICE_NAME, token_hash=DeviceToken.hash_secret(secret))
        for user_id, secret in secrets_by_user.items()
    )
    return {user_id: f"Bearer {secret}" for user_id, secret in secrets_by_user.items()}


def _alert_id(url: str) -> str:
    match = re.search(r"(\d+)/?$", url)
    if match is None:
        raise RuntimeError(f"no alert id in {url}")
    return match.group(1)


def api_targets(site: Site, tokens: dict[int, str], label: str) -> list[http_client.Target]:
    return [
        http_client.Target(
            label,
            "/api/v1/alerts"
            if label == "api_alerts"
            else f"/api/v1/alerts/{_alert_id(member.urls['alert'])}",
            authorization=tokens[member.user_id],
        )
        for member in site.members
    ]


def answer_bytes(site: Site, path: str, authorization: str) -> tuple[int, int, int]:
    """(status, compressed bytes, raw bytes) of one answer, body only."""
    client = http.client.HTTPConnection("127.0.0.1", site.server.port, timeout=30)
    try:
        client.request(
            "GET",
            path,
            headers={**PROXY_HEADERS, "Authorization": authorization, "Accept-Encoding": "gzip"},
        )
        response = client.getresponse()
        body = response.read()
        raw = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
        return response.status, len(body), len(raw)
    finally:
        client.close()


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    if connection.vendor != "postgresql":
        raise RuntimeError("the API benchmark needs PostgreSQL")
    quick = bool(getattr(options, "quick", False))
    seed = getattr(options, "seed", 1)
    connections = getattr(options, "connections", None) or CONNECTIONS
    seconds = getattr(options, "page_seconds", None) or (
        QUICK_PAGE_SECONDS if quick else PAGE_SECONDS
    )
    site = start_site(options, QUICK_MEMBERS_SAMPLED if quick else MEMBERS_SAMPLED, "api")
    rows: list[dict[str, Any]] = []
    keep_logs = False
    try:
        tokens = issue_tokens(site.members)

        phase = functools.partial(site.phase, connections=connections, seconds=seconds, seed=seed)

        bare_before = phase("bare view", site.bare_targets())
        by_page = {
            "api_alerts": api_targets(site, tokens, "api_alerts"),
            "api_alert": api_targets(site, tokens, "api_alert"),
            "alerts": site.targets("alerts"),
            "alert": site.targets("alert"),
        }
        # Each twice, as the pages benchmark does: a plain GET, and one that asks for a
        # fresh answer (Cache-Control: no-cache). (row id, row name) → the phase
        results = {
            (f"{page}.{suffix}" if suffix else page, f"{page}, {name}"): phase(
                f"{page}, {name}", with_headers(targets, headers), primed=not suffix
            )
            for page, targets in by_page.items()
            for suffix, name, headers in VARIANTS
        }
        bare_after = phase("bare view", site.bare_targets())
        per_cores = [item.per_core for item in (bare_before, bare_after) if item.per_core]
        bare_per_core = sum(per_cores) / len(per_cores) if per_cores else None
        bare_rate = (bare_before.rate + bare_after.rate) / 2
        # The p95 target is relative too (issue 16: ≤ 2 × the bare view's p95, same run).
        bare_p95 = mean_p95(bare_before, bare_after)
        for (key, name), result in results.items():
            rows += page_rows(
                key, result, bare_per_core, bare_rate, bare_p95, name=name, benchmark="api"
            )
        member = site.members[0]
        authorization = tokens[member.user_id]
        for label, path, target in [
            ("list", "/api/v1/alerts", TARGET_LIST_BYTES),
            ("detail", f"/api/v1/alerts/{_alert_id(member.urls['alert'])}", TARGET_DETAIL_BYTES),
        ]:
            status, compressed, raw = answer_bytes(site, path, authorization)
            rows.append(
                _row(
                    f"api_{label}.bytes",
                    f"API {label}: bytes of the answer, gzipped",
                    compressed if status == 200 else None,
                    "B",
                    target=f"≤ {target} B",
                    passed=status == 200 and compressed <= target,
                    note=join_notes(
                        f"{raw} B uncompressed; body only, one member's {path}",
                        f"status {status}" if status != 200 else "",
                    ),
                )
            )
        phases = [bare_before, *results.values(), bare_after]
        errors = sum(item.errors for item in phases)
        rows.append(
            _row(
                "errors",
                "API: errors (not 200, timeouts, broken connections)",
                errors,
                target="0",
                passed=errors == 0,
                note="; ".join(
                    f"{item.label}: {item.error_kinds}" for item in phases if item.errors
                ),
            )
        )
    except Exception:
        keep_logs = True
        raise
    finally:
        DeviceToken.objects.filter(name=DEVICE_NAME).delete()
        site.close(keep_logs)
    return rows
