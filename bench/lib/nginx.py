"""Debian's nginx in front of gunicorn, configured by docs/deployment.md's own server block.

The guide's block is taken as written (bench/lib/guide.py) and only its machine-specific
values are replaced: `listen 443 ssl http2` by a free port of 127.0.0.1 over plain http
(no certificate here), the static and media folders by the benchmark's, gunicorn's
address by the benchmark's gunicorn. Each replacement must find its text in the guide,
so that a changed guide fails the benchmark instead of being measured half. The
benchmark adds, outside the guide's lines: a blank map tile (no request leaves the
machine), an access log of every exchange with its bytes, and stub_status to know when
no request is in flight.

nginx runs as an ordinary process (`nginx -p <prefix> -c <conf> -e <log> -g 'daemon
off;'`), everything it writes under its own temporary prefix. When the benchmark runs as
root, nginx is started as `nobody` (a root master would switch its workers to a user that
cannot read the benchmark's files; an unprivileged one keeps its own user).
"""

import http.client
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.lib import guide
from bench.lib.processes import free_port, start_server, stop_process

NGINX = "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"
TILES_PREFIX = "/_tiles/"
STATUS_PATH = "/_nginx_status"
GUIDE_STATIC = "/srv/monquartier/app/staticfiles/"
GUIDE_MEDIA = "/srv/monquartier/media/"
GUIDE_UPSTREAM = "http://127.0.0.1:8000"
# One JSON object a line: what the page-weight benchmark counts of each exchange.
LOG_FORMAT = (
    '{"method":"$request_method","path":"$request_uri","status":"$status",'
    '"content_type":"$sent_http_content_type","content_encoding":"$sent_http_content_encoding",'
    '"cache_control":"$sent_http_cache_control","if_none_match":"$http_if_none_match",'
    '"if_modified_since":"$http_if_modified_since","accept_encoding":"$http_accept_encoding",'
    '"bytes_sent":"$bytes_sent","body_bytes_sent":"$body_bytes_sent",'
    '"request_time":"$request_time","upstream_time":"$upstream_response_time"}'
)


@dataclass(frozen=True)
class Exchange:
    """One request and the answer nginx sent, from its access log."""

    sequence: int
    method: str
    path: str
    status: int
    content_type: str
    content_encoding: str
    cache_control: str
    conditional: bool  # the browser asked If-None-Match or If-Modified-Since
    accept_encoding: str  # as the browser sent it
    header_bytes: int
    body_bytes: int  # as sent (compressed when it was; chunk sizes included)
    seconds: float = 0.0  # nginx's $request_time: from the first byte read to the last sent
    upstream: str = ""  # $upstream_response_time: the app's time, "" for a static file

    @property
    def wire_bytes(self) -> int:
        return self.header_bytes + self.body_bytes

    @property
    def is_tile(self) -> bool:
        return self.path.startswith(TILES_PREFIX)


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, lambda _: replacement, text, count=1)
    if not count:
        raise LookupError(f"{guide.GUIDE}: nginx's server block no longer matches {pattern!r}")
    return new


def server_block(
    port: int, upstream_port: int, static_root: Path, media_root: Path, tiles: Path
) -> str:
    """The guide's server block for this machine, plus the benchmark's own locations."""
    block = guide.nginx_server_block()
    block = _replace_once(block, r"listen\s+443[^;]*;", f"listen 127.0.0.1:{port};")
    block = _replace_once(block, re.escape(f"alias {GUIDE_STATIC};"), f"alias {static_root}/;")
    block = _replace_once(block, re.escape(f"alias {GUIDE_MEDIA};"), f"alias {media_root}/;")
    block = _replace_once(
        block,
        re.escape(f"proxy_pass {GUIDE_UPSTREAM};"),
        f"proxy_pass http://127.0.0.1:{upstream_port};",
    )
    bench_locations = f"""
    # --- the benchmark's, not the guide's ---
    location {TILES_PREFIX} {{            # every map tile: one blank tile
        root {tiles};
        try_files /blank.png =404;
        add_header Cache-Control "max-age=86400";
    }}
    location = {STATUS_PATH} {{
        stub_status;
        access_log off;
    }}
}}"""
    return block[: block.rindex("}")].rstrip() + "\n" + bench_locations


def configuration(prefix: Path, server: str) -> str:
    temp = "\n".join(
        f"    {name}_temp_path {prefix / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    sendfile on;
{temp}
    log_format bench escape=json '{LOG_FORMAT}';
    access_log {prefix / "access.log"} bench;

{server}
}}
"""


def blank_tile() -> bytes:
    """A 256 × 256 light-grey PNG, made with Pillow."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("L", (256, 256), 236).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _unprivileged() -> dict:
    """Popen's arguments that start nginx as `nobody` when the benchmark runs as root."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def readable_by_nginx(*folders: Path) -> None:
    """When nginx runs as `nobody`, the folders it serves (and their parents up to /tmp)
    must be readable by others; temporary folders are made 0700."""
    if os.geteuid() != 0:
        return
    for folder in folders:
        for path in [folder, *folder.parents]:
            if path == Path(tempfile.gettempdir()) or path == Path("/"):
                break
            path.chmod(path.stat().st_mode | 0o755)


class Nginx:
    """`with Nginx(upstream_port, static_root, media_root) as nginx:` serves nginx.url."""

    def __init__(
        self, upstream_port: int, static_root: Path, media_root: Path, port: int | None = None
    ) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError(f"{NGINX} missing: `make bench` installs Debian's nginx (as root)")
        self.port = port or free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        tiles = self.prefix / "tiles"
        tiles.mkdir()
        (tiles / "blank.png").write_bytes(blank_tile())
        self.access_log = self.prefix / "access.log"
        self.access_log.touch()
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(
            configuration(
                self.prefix, server_block(self.port, upstream_port, static_root, media_root, tiles)
            )
        )
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in [self.prefix, *self.prefix.rglob("*")]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _nginx(self, *arguments: str) -> list[str]:
        return [
            NGINX,
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
            "-e",
            str(self.prefix / "error.log"),
            *arguments,
        ]

    def start(self, timeout: float = 15.0) -> "Nginx":
        test = subprocess.run(
            self._nginx("-t", "-q"), capture_output=True, text=True, **_unprivileged()
        )
        if test.returncode:
            raise RuntimeError(f"nginx refused the configuration {self.conf}:\n{test.stderr}")
        self.process = start_server(
            "nginx",
            self._nginx("-g", "daemon off;"),
            lambda: self.in_flight() >= 0,
            self.errors,
            timeout=timeout,
            poll=0.1,
            **_unprivileged(),
        )
        return self

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self, keep: bool = False) -> None:
        stop_process(self.process, timeout=10)  # SIGTERM: nginx's fast shutdown
        if not keep:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def errors(self) -> str:
        log = self.prefix / "error.log"
        return log.read_text(errors="replace")[-1500:] if log.exists() else ""

    def in_flight(self) -> int:
        """Requests nginx is reading or answering, this one left out (stub_status)."""
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            client.request("GET", STATUS_PATH)
            text = client.getresponse().read().decode()
        finally:
            client.close()
        found = re.search(r"Reading: (\d+) Writing: (\d+)", text)
        if found is None:
            raise RuntimeError(f"unexpected stub_status answer: {text!r}")
        return int(found.group(1)) + int(found.group(2)) - 1

    def mark(self) -> int:
        return self.access_log.stat().st_size

    def since(self, mark: int) -> list[Exchange]:
        with open(self.access_log, "rb") as log:
            log.seek(mark)
            lines = log.read().decode().splitlines()
        return [
            _exchange(mark + number, json.loads(line)) for number, line in enumerate(lines) if line
        ]

    def wait_quiet(self, quiet_s: float = 1.0, timeout_s: float = 15.0) -> bool:
        """Until nothing was asked for `quiet_s` and nothing is in flight; False when that
        did not happen within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        size, since = self.mark(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.mark() != size or self.in_flight():
                size, since = self.mark(), time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return True
        return False


def _exchange(sequence: int, fields: dict[str, str]) -> Exchange:
    bytes_sent, body = int(fields["bytes_sent"]), int(fields["body_bytes_sent"])
    return Exchange(
        sequence=sequence,
        method=fields["method"],
        path=fields["path"],
        status=int(fields["status"]),
        content_type=fields["content_type"].split(";")[0].strip().lower(),
        content_encoding=fields["content_encoding"],
        cache_control=fields["cache_control"],
        conditional=bool(fields["if_none_match"] or fields["if_modified_since"]),
        accept_encoding=fields["accept_encoding"],
        header_bytes=bytes_sent - body,
        body_bytes=body,
        seconds=float(fields.get("request_time") or 0),
        upstream=fields.get("upstream_time", "").replace("-", ""),
    )
