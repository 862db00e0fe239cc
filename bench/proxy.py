"""The reverse proxy of docs/deployment.md, reduced to what changes the bytes a visitor
downloads, and counting them.

In production nginx sits in front of gunicorn: it gzips what the app sends (level 6,
`text/html` always, plus the `gzip_types` of the deployment guide, from 256 bytes) and
serves /static/ with `gzip_static`, the .gz files WhiteNoise wrote beside each hashed
file (nginx has no brotli module in that guide). Gunicorn itself compresses nothing. The
page-weight benchmark needs those same bytes on the wire, and an exact account of every
request a browser makes, including those of the service worker, which the page's own
Resource Timing entries never show. So this proxy:

- forwards every request to gunicorn (Host kept, X-Forwarded-* set);
- for /static/, asks WhiteNoise for gzip only, as `gzip_static on` serves it;
- gzips an uncompressed answer of a `gzip_types` type at level 6, as nginx does;
- answers map tile requests (TILES_PREFIX) itself with a blank tile, so that no test
  leaves the machine;
- records each exchange: path, status, types, conditional request or not, the bytes of
  the status line and headers, the bytes of the body as sent and before compression.

Standard library only; it runs in a thread of the benchmark process.
"""

import http.client
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TILES_PREFIX = "/_tiles/"
GZIP_LEVEL = 6
GZIP_MIN_LENGTH = 256
# nginx compresses text/html whenever gzip is on, and the types the guide lists.
GZIP_TYPES = {
    "text/html",
    "text/css",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/manifest+json",
}
# Per connection, not forwarded (RFC 9110 §7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
UPSTREAM_TIMEOUT_S = 60


@dataclass(frozen=True)
class Exchange:
    """One request and the answer the proxy sent back."""

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
    body_bytes: int  # as sent (compressed when it was)
    raw_body: bytes  # the body before compression, for HTML pages only
    raw_bytes: int

    @property
    def wire_bytes(self) -> int:
        return self.header_bytes + self.body_bytes

    @property
    def is_tile(self) -> bool:
        return self.path.startswith(TILES_PREFIX)


def gzip_bytes(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: with a gzip header
    return compressor.compress(data) + compressor.flush()


def blank_tile() -> bytes:
    """A 256 × 256 light-grey PNG, made once with Pillow."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("L", (256, 256), 236).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class MeasuringProxy:
    """`with MeasuringProxy(upstream_port) as proxy:` serves http://127.0.0.1:<port>/."""

    def __init__(self, upstream_port: int, port: int = 0) -> None:
        self.upstream_port = upstream_port
        self.exchanges: list[Exchange] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.tile = blank_tile()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "MeasuringProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def mark(self) -> int:
        with self.lock:
            return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges[mark:])

    def wait_quiet(self, quiet_s: float = 1.0, timeout_s: float = 15.0) -> bool:
        """Wait until no request is in flight and none came for `quiet_s`: the service
        worker's own fetches come after the page's load event."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                idle = self.in_flight == 0 and time.monotonic() - self.last_activity >= quiet_s
            if idle:
                return True
            time.sleep(0.05)
        return False

    # --- the handler ----------------------------------------------------------------------

    def _record(self, exchange_fields: dict) -> None:
        with self.lock:
            self.exchanges.append(Exchange(sequence=len(self.exchanges), **exchange_fields))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_HEAD(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                with proxy.lock:
                    proxy.in_flight += 1
                    proxy.last_activity = time.monotonic()
                try:
                    if self.path.startswith(TILES_PREFIX):
                        status, headers, body = self._tile()
                    else:
                        status, headers, body = self._forward()
                    self._answer(status, headers, body)
                finally:
                    with proxy.lock:
                        proxy.in_flight -= 1
                        proxy.last_activity = time.monotonic()

            def _tile(self) -> tuple[int, list[tuple[str, str]], bytes]:
                headers = [("Content-Type", "image/png"), ("Cache-Control", "max-age=86400")]
                return 200, headers, proxy.tile

            def _forward(self) -> tuple[int, list[tuple[str, str]], bytes]:
                length = int(self.headers.get("Content-Length") or 0)
                request_body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP
                }
                headers["X-Forwarded-For"] = self.client_address[0]
                headers["X-Forwarded-Proto"] = "http"
                if self.path.startswith("/static/"):
                    # gzip_static: the .gz beside the file, or the file itself.
                    accepted = self.headers.get("Accept-Encoding", "")
                    headers.pop("Accept-Encoding", None)
                    if "gzip" in accepted:
                        headers["Accept-Encoding"] = "gzip"
                upstream = http.client.HTTPConnection(
                    "127.0.0.1", proxy.upstream_port, timeout=UPSTREAM_TIMEOUT_S
                )
                try:
                    upstream.request(self.command, self.path, body=request_body, headers=headers)
                    response = upstream.getresponse()
                    body = response.read()
                    answer_headers = [
                        (name, value)
                        for name, value in response.getheaders()
                        if name.lower() not in HOP_BY_HOP
                    ]
                    return response.status, answer_headers, body
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                def header(name: str) -> str:
                    return next((v for n, v in headers if n.lower() == name.lower()), "")

                raw = body
                content_type = header("Content-Type").split(";")[0].strip().lower()
                if (
                    content_type in GZIP_TYPES
                    and not header("Content-Encoding")
                    and len(body) >= GZIP_MIN_LENGTH
                    and "gzip" in self.headers.get("Accept-Encoding", "")
                    and self.command != "HEAD"
                ):
                    body = gzip_bytes(body)
                    headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
                    headers.append(("Content-Encoding", "gzip"))
                headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
                headers.append(("Content-Length", str(len(body))))
                reason = self.responses.get(status, ("",))[0]
                head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(
                    f"{name}: {value}\r\n" for name, value in headers
                )
                head_bytes = (head + "\r\n").encode("latin-1")
                self.wfile.write(head_bytes + (b"" if self.command == "HEAD" else body))
                self.wfile.flush()
                proxy._record(
                    {
                        "method": self.command,
                        "path": self.path,
                        "status": status,
                        "content_type": content_type,
                        "content_encoding": header("Content-Encoding"),
                        "cache_control": header("Cache-Control"),
                        "conditional": bool(
                            self.headers.get("If-None-Match")
                            or self.headers.get("If-Modified-Since")
                        ),
                        "accept_encoding": self.headers.get("Accept-Encoding", ""),
                        "header_bytes": len(head_bytes),
                        "body_bytes": 0 if self.command == "HEAD" else len(body),
                        "raw_body": raw if content_type == "text/html" else b"",
                        "raw_bytes": len(raw),
                    }
                )

        return Handler
