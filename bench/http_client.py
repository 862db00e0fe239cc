"""The load generator of the page benchmarks: an asyncio HTTP client (aiohttp) in a process
of its own, so that its CPU is counted apart from the server's.

Driven through a multiprocessing pipe by bench/pages.py: each command runs one phase —
`connections` coroutines each sending requests one after the other (no pause) for
`seconds`, to targets drawn at random — and answers with what it saw: per label, the
number of answers, the errors (any status but 200, a timeout, a broken connection), the
latency seen by the client and what the server said of itself in its Server-Timing header
(bench/pages_site.py: Django's time, the SQL time and the number of queries).

Every request opens its own connection and asks the server to close it, as nginx talks to
gunicorn with the proxy settings of docs/deployment.md (HTTP/1.0 to the upstream, no
keep-alive): the server does the accept and the connection set-up of every request, as in
production.

Nothing here imports Django.
"""

import asyncio
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

_TIMING = re.compile(r"(\w+);dur=([0-9.]+)(?:;desc=\"?(\d+)\"?)?")


@dataclass
class Target:
    label: str
    url: str
    cookie: str = ""
    authorization: str = ""  # the API's device token (bench/api.py)
    # Sent with this target's requests on top of the phase's: `Cache-Control: no-cache`
    # (RENDER), what a browser's reload sends, asks for the page rendered, not a cached copy.
    headers: dict[str, str] = field(default_factory=dict)


RENDER = {"Cache-Control": "no-cache"}


@dataclass
class LabelStats:
    answers: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "latencies_ms": self.latencies_ms,
            "app_ms": self.app_ms,
            "db_ms": self.db_ms,
            "queries": self.queries,
        }


def _read_server_timing(header: str, stats: LabelStats) -> None:
    for name, duration, description in _TIMING.findall(header):
        if name == "app":
            stats.app_ms.append(float(duration))
        elif name == "db":
            stats.db_ms.append(float(duration))
            if description:
                stats.queries.append(int(description))


async def _one(
    session: aiohttp.ClientSession,
    base: str,
    target: Target,
    headers: dict[str, str],
    stats: LabelStats,
    record: bool,
) -> None:
    request_headers = dict(headers)
    if target.cookie:
        request_headers["Cookie"] = target.cookie
    if target.authorization:
        request_headers["Authorization"] = target.authorization
    request_headers.update(target.headers)
    started = time.perf_counter()
    try:
        async with session.get(
            base + target.url, headers=request_headers, allow_redirects=False
        ) as response:
            await response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if not record:
                return
            if response.status != 200:
                stats.error(f"HTTP {response.status} {target.url}")
                return
            stats.answers += 1
            stats.latencies_ms.append(elapsed)
            _read_server_timing(response.headers.get("Server-Timing", ""), stats)
    except TimeoutError:
        if record:
            stats.error("timeout")
    except aiohttp.ClientError as error:
        if record:
            stats.error(type(error).__name__)


async def _phase(command: dict[str, Any]) -> dict[str, Any]:
    base: str = command["base"]
    targets = [Target(**item) for item in command["targets"]]
    headers: dict[str, str] = command.get("headers", {})
    connections: int = command["connections"]
    seconds: float = command["seconds"]
    warmup: float = command.get("warmup", 0.0)
    rng = random.Random(command.get("seed", 1))
    stats: dict[str, LabelStats] = {}
    timeout = aiohttp.ClientTimeout(total=command.get("timeout", 10.0))
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        began = time.perf_counter()
        measure_from = began + warmup
        stop = measure_from + seconds

        async def worker() -> None:
            while True:
                now = time.perf_counter()
                if now >= stop:
                    return
                target = rng.choice(targets)
                label_stats = stats.setdefault(target.label, LabelStats())
                await _one(session, base, target, headers, label_stats, now >= measure_from)

        await asyncio.gather(*(worker() for _ in range(connections)))
        # The last requests end a little after `stop`: the rate is over the real span.
        elapsed = time.perf_counter() - measure_from
    return {
        "seconds": elapsed,
        "labels": {label: item.as_dict() for label, item in stats.items()},
    }


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def serve(connection: Any) -> None:
    """The child process: run each phase asked for, until told to stop."""
    connection.send({"pid": os.getpid()})
    while True:
        command = connection.recv()
        if command.get("stop"):
            break
        try:
            cpu = _cpu_seconds()
            result = asyncio.run(_phase(command))
            result["client_cpu_seconds"] = _cpu_seconds() - cpu
            connection.send(result)
        except Exception as error:  # the parent shows it; the child waits for the next
            connection.send(error)
