"""gunicorn as docs/deployment.md runs it: the guide's own command line (bench/lib/guide.py),
with what a benchmark must change — a free port of 127.0.0.1, the number of workers (the
guide's rule, 2 × cores, unless told otherwise) and the logs in files, the access log
giving each request's time in the worker (%(D)s, µs)."""

import http.client
import os
import subprocess
import sys
from pathlib import Path

from bench.lib import guide
from bench.lib.processes import (
    children_of,
    cpu_with_reaped_children,
    free_port,
    start_server,
    stop_process,
)

# The guide runs sync workers without threads; BENCH_THREADS=2 compares with gthread
# workers (the measurement the guide quotes), nothing else does.
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
ACCESS_LOG_FORMAT = "%(U)s %(s)s %(D)s"
# nginx says the visitor came over https (docs/deployment.md); production redirects http.
HEALTH_HEADERS = {"X-Forwarded-Proto": "https"}
ROOT = Path(__file__).resolve().parents[2]


def _replace(arguments: list[str], option: str, value: str) -> list[str]:
    if option not in arguments:
        raise LookupError(f"{guide.GUIDE}: gunicorn's command line has no {option}")
    index = arguments.index(option)
    return [*arguments[: index + 1], value, *arguments[index + 2 :]]


class Gunicorn:
    """`with Gunicorn(environ, log_dir) as server:` serves http://127.0.0.1:<server.port>/."""

    def __init__(self, environ: dict[str, str], log_dir: Path, workers: int | None = None) -> None:
        self.environ = environ
        self.workers = workers or 2 * (os.cpu_count() or 1)
        self.threads = THREADS
        self.port = free_port()
        self.access_log = log_dir / "gunicorn-access.log"
        self.error_log = log_dir / "gunicorn-error.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        arguments = guide.gunicorn_arguments()
        arguments = _replace(arguments, "--bind", f"127.0.0.1:{self.port}")
        arguments = _replace(arguments, "--workers", str(self.workers))
        arguments = _replace(arguments, "--access-logfile", str(self.access_log))
        arguments += [
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--error-logfile",
            str(self.error_log),
        ]
        if self.threads != 1:
            arguments += ["--threads", str(self.threads)]
        return [sys.executable, "-m", "gunicorn", *arguments]

    def start(self, timeout: float = 60.0) -> "Gunicorn":
        self.process = start_server(
            "gunicorn",
            self.command,
            lambda: self.get("/sante/", HEALTH_HEADERS)[0] == 200,
            self.errors,
            timeout=timeout,
            env=self.environ,
            cwd=ROOT,
        )
        return self

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            client.request("GET", path, headers=headers or {})
            response = client.getresponse()
            return response.status, response.read()
        finally:
            client.close()

    def errors(self) -> str:
        if not self.error_log.exists():
            return ""
        text = self.error_log.read_text(errors="replace")
        found = text.find("Traceback")
        return text[found : found + 1500] if found >= 0 else text[-800:]

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        """The master, its live workers, and the workers --max-requests replaced."""
        return cpu_with_reaped_children(self.process.pid) if self.process else 0.0

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def server_times(self, offset: int) -> tuple[list[float], dict[str, int]]:
        """Request times (ms) of the 200 answers logged since `offset`, and the count of
        every other status."""
        times: list[float] = []
        others: dict[str, int] = {}
        with open(self.access_log, "rb") as log:
            log.seek(offset)
            for line in log.read().decode(errors="replace").splitlines():
                parts = line.split()
                if len(parts) != 3:
                    continue
                if parts[1] == "200":
                    times.append(int(parts[2]) / 1000)
                else:
                    others[parts[1]] = others.get(parts[1], 0) + 1
        return times, others

    def stop(self) -> None:
        stop_process(self.process)  # SIGTERM: workers finish their request
