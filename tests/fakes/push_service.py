"""A fake web push service (RFC 8030) and a fake HTTP proxy, on 127.0.0.1, over real
sockets: what the web-push transport (monquartier/outbox/push.py) talks to in tests.

    with FakePushService() as service:          # HTTPS, a certificate of its own
        settings.PUSH_CA_FILE = service.ca_file  # so that the transport trusts it
        subscription.endpoint = service.url + "/wpush/abc"
        ...                                      # the transport sends
        [received] = service.received            # method, path, headers, body

- Every POST gets `201 Created` unless scripted: `answer(path, status, body=…,
  headers=…)` for every request to a path, `answer_next(…)` for the next request only.
  An answer can be `drop=True` (the connection is closed without a word) or have a
  `delay` (seconds before the answer: the client's read timeout).
- It speaks HTTP/1.1 with keep-alive: `connections` counts the TCP connections it
  accepted, and `close_idle_connections()` closes those waiting for a next request, as
  a push service does to a connection it has kept open long enough.
- FakeProxy: an HTTP proxy that only tunnels (CONNECT host:port), as corporate proxies
  in front of HTTPS do; it records each tunnel's target and headers.

Its certificate (ECDSA P-256, for localhost and 127.0.0.1) is made once per process.
"""

from __future__ import annotations

import datetime
import ipaddress
import select
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@cache
def certificate() -> tuple[str, str]:
    """(certificate file, key file): a self-signed certificate for localhost, 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="fake-push-"))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


@dataclass
class Answer:
    status: int = 201
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: Message
    body: bytes
    connection: int  # which TCP connection (1, 2, …) it came on


class FakePushService:
    def __init__(self, *, tls: bool = True, host: str = "localhost") -> None:
        self.tls = tls
        self.host = host
        self.received: list[Received] = []
        self.connections = 0
        self._answers: dict[str, Answer] = {}
        self._next: list[Answer] = []
        self._idle: set[socket.socket] = set()
        self._open: set[socket.socket] = set()  # every connection not yet closed
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"{'https' if self.tls else 'http'}://{self.host}:{self._server.server_port}"

    @property
    def ca_file(self) -> str:
        return certificate()[0]

    def answer(self, path: str, status: int = 201, **options) -> None:
        self._answers[path] = Answer(status, **options)

    def answer_next(self, status: int = 201, **options) -> None:
        with self._lock:
            self._next.append(Answer(status, **options))

    def close_idle_connections(self) -> None:
        """Close every open connection once it waits for a next request (a connection
        that has just sent its answer gets there a moment later)."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            with self._lock:
                if self._open <= self._idle:
                    break
            time.sleep(0.005)
        with self._lock:
            idle, self._idle = self._idle, set()
        for sock in idle:
            sock.shutdown(socket.SHUT_RDWR)

    def _answer_for(self, path: str) -> Answer:
        with self._lock:
            if self._next:
                return self._next.pop(0)
        return self._answers.get(path, Answer())

    def __enter__(self) -> FakePushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with service._lock:
                    service._open.add(self.connection)
                    service.connections += 1
                    self.number = service.connections

            def finish(self) -> None:
                with service._lock:
                    service._open.discard(self.connection)
                    service._idle.discard(self.connection)
                super().finish()

            def handle_one_request(self) -> None:
                with service._lock:
                    service._idle.add(self.connection)
                try:
                    ready, _, _ = select.select([self.connection], [], [], 30)
                finally:
                    with service._lock:
                        service._idle.discard(self.connection)
                if not ready:
                    self.close_connection = True
                    return
                super().handle_one_request()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with service._lock:
                    service.received.append(
                        Received("POST", self.path, self.headers, body, self.number)
                    )
                answer = service._answer_for(self.path)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    return
                content = answer.body.encode() if isinstance(answer.body, str) else answer.body
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _serve(Handler, tls=self.tls)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        _stop(self._server)
        self.close_idle_connections()


@dataclass
class Tunnel:
    target: str
    headers: Message


class FakeProxy:
    """An HTTP proxy on 127.0.0.1 that opens tunnels (CONNECT) and nothing else."""

    def __init__(self) -> None:
        self.tunnels: list[Tunnel] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_CONNECT(self) -> None:
                proxy.tunnels.append(Tunnel(self.path, self.headers))
                host, _, port = self.path.rpartition(":")
                try:
                    upstream = socket.create_connection((host, int(port)), timeout=5)
                except (OSError, ValueError):
                    self.send_error(502)
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.close_connection = True
                _pipe(self.connection, upstream)

            def do_POST(self) -> None:
                self.send_error(405, "this proxy only tunnels")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _serve(Handler, tls=False)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        _stop(self._server)


def _serve(handler: type[BaseHTTPRequestHandler], *, tls: bool) -> ThreadingHTTPServer:
    """A server on a free loopback port, serving in a thread of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate())
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def _stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until one side closes."""
    with upstream:
        sockets = [client, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 30)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
