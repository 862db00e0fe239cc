"""Local stand-ins for the outside world of the fan-out benchmark, in a process of their own.

- PushSink: a web push service on 127.0.0.1 (aiohttp). It answers 201 Created to every
  POST that looks like a real RFC 8030 push (an aes128gcm body, a VAPID Authorization
  header, a TTL), as FCM or Mozilla's autopush do, and records the endpoint path and the
  Topic header (the app sets it to "alert-<id>": a second push of one alert to one
  device shows as a duplicate). It keeps the first few bodies, so that the benchmark can
  decrypt them with the subscription's private key: proof that pywebpush really
  encrypted for that browser.
- serve_sinks: runs the push sink, the SMTP sink (tests/fakes/smtp.py) and the fake
  Africa's Talking gateway (tests/fakes/sms_providers.py) in a separate process, driven
  through a multiprocessing pipe. In their own process the sinks do not share the
  benchmark's interpreter lock, and the CPU they use is measured apart: on one machine
  the "outside world" competes with the workers for the same cores.

Nothing here imports Django: the child process only needs the standard library, aiohttp,
aiosmtpd and the fakes.
"""

import asyncio
import os
import re
import threading
import time
from typing import Any

from aiohttp import web

KEEP_BODIES = 3
# The smallest aes128gcm body: 86 bytes of header (salt, record size, key id of 65 bytes),
# 1 byte of padding delimiter, 16 bytes of tag.
MIN_AES128GCM_BYTES = 103


class PushSink:
    """A push service answering 201 to well-formed pushes on http://127.0.0.1:<port>/…"""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (path, Topic)
        self.bodies: list[tuple[str, bytes]] = []  # (path, encrypted body), the first few
        self.rejected: list[str] = []
        self.lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        problem = ""
        if request.headers.get("Content-Encoding") != "aes128gcm":
            problem = "Content-Encoding is not aes128gcm"
        elif not request.headers.get("Authorization", "").startswith("vapid t="):
            problem = "no VAPID Authorization"
        elif "TTL" not in request.headers:
            problem = "no TTL"
        elif len(body) < MIN_AES128GCM_BYTES:
            problem = f"body of {len(body)} bytes: not an aes128gcm record"
        with self.lock:
            if problem:
                self.rejected.append(f"{request.path}: {problem}")
            else:
                self.received.append((request.path, request.headers.get("Topic", "")))
                if len(self.bodies) < KEEP_BODIES:
                    self.bodies.append((request.path, body))
        if problem:
            return web.Response(status=400, text=problem)
        return web.Response(
            status=201, headers={"Location": f"{self.url}/message/{time.time_ns()}"}
        )

    def start(self) -> "PushSink":
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            app = web.Application(client_max_size=8192)
            app.router.add_post("/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
            loop.run_until_complete(site.start())
            self.port = self._runner.addresses[0][1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="push-sink", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the push sink did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = None

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.bodies.clear()
            self.rejected.clear()


class _SMTPSession(asyncio.Protocol):
    """Just enough SMTP for smtplib and Django's SMTP backend: EHLO/HELO, MAIL, RCPT,
    DATA, RSET, NOOP, QUIT. The message is read as a block up to the CRLF.CRLF that ends
    it, not line by line."""

    def __init__(self, sink: "FastSMTPSink") -> None:
        self.sink = sink
        self.buffer = bytearray()
        self.in_data = False
        self.recipients: list[str] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(b"220 127.0.0.1 bench sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            if self.in_data:
                if self.buffer.startswith(b".\r\n"):  # an empty message
                    end, message = 0, b""
                else:
                    end = self.buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        return
                    message = bytes(self.buffer[: end + 2])
                    end += 2
                del self.buffer[: end + 3]
                self.in_data = False
                self.sink.record(self.recipients, message)
                self.recipients = []
                self.transport.write(b"250 2.0.0 Ok: queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 2]
            self._command(line)

    def _command(self, line: bytes) -> None:
        verb = line[:4].upper()
        write = self.transport.write
        if verb == b"EHLO":
            write(b"250-127.0.0.1\r\n250-8BITMIME\r\n250-SIZE 33554432\r\n250 SMTPUTF8\r\n")
        elif verb == b"HELO":
            write(b"250 127.0.0.1\r\n")
        elif verb == b"MAIL":
            self.recipients = []
            write(b"250 2.1.0 Ok\r\n")
        elif verb == b"RCPT":
            self.recipients.append(line.partition(b":")[2].split(b">")[0].strip(b" <").decode())
            write(b"250 2.1.5 Ok\r\n")
        elif verb == b"DATA":
            self.in_data = True
            write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb in (b"RSET", b"NOOP"):
            self.recipients = []
            write(b"250 2.0.0 Ok\r\n")
        elif verb == b"QUIT":
            write(b"221 2.0.0 Bye\r\n")
            self.transport.close()
            self.transport = None
        else:
            write(b"502 5.5.2 Error: command not recognized\r\n")

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.MULTILINE | re.IGNORECASE)


class FastSMTPSink:
    """An SMTP server on 127.0.0.1 that accepts everything and records the recipients and
    Message-ID of each message, with the interface of tests/fakes/smtp.py's SMTPSink
    (messages, lock, port, start, stop).

    Why not SMTPSink itself: aiosmtpd reads the message line by line and the test sink
    parses every message with the email package; on this machine it accepts at most about
    465 messages/s with a core to itself (2.2 ms of CPU a message) and about 300/s while the
    workers run: the benchmark would measure the sink. Here a message costs the sink a
    few tens of microseconds, as a real relay (Postfix) would, so the workers' side is what
    is measured."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def record(self, recipients: list[str], message: bytes) -> None:
        header = message[: message.find(b"\r\n\r\n")]
        found = _MESSAGE_ID.search(header)
        entry = {
            "to": list(recipients),
            "message_id": found.group(1).decode() if found else "",
            "bytes": len(message),
        }
        with self.lock:
            self.messages.append(entry)

    def start(self) -> "FastSMTPSink":
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            server = loop.run_until_complete(
                loop.create_server(lambda: _SMTPSession(self), "127.0.0.1", 0, backlog=1024)
            )
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="smtp-sink", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = None


def _process_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def serve_sinks(connection: Any, smtp_kind: str = "fast") -> None:
    """The child process: start the three sinks, send their addresses, then answer
    commands until "stop". Commands: ("summary",) counts and duplicates; ("clear",) forget
    what was received; ("bodies",) the push bodies kept; ("stop",). smtp_kind: "fast"
    (FastSMTPSink) or "aiosmtpd" (tests/fakes/smtp.py's SMTPSink)."""
    from tests.fakes.sms_providers import FakeAfricasTalking
    from tests.fakes.smtp import SMTPSink

    smtp = FastSMTPSink().start() if smtp_kind == "fast" else SMTPSink().start()
    sms = FakeAfricasTalking()
    push = PushSink().start()
    connection.send(
        {
            "pid": os.getpid(),
            "smtp_port": smtp.port,
            "sms_api_url": sms.api_url,
            "sms_credentials": dict(sms.credentials),
            "push_url": push.url,
        }
    )
    try:
        while True:
            command = connection.recv()
            if command[0] == "stop":
                break
            if command[0] == "clear":
                with smtp.lock:
                    smtp.messages.clear()
                with sms._lock:
                    sms.received.clear()
                    sms.batch_sizes.clear()
                push.clear()
                connection.send(True)
            elif command[0] == "summary":
                with smtp.lock:
                    ids = [message["message_id"] for message in smtp.messages]
                with sms._lock:
                    texts = [(message.to, message.text) for message in sms.received]
                    requests = len(sms.batch_sizes)
                with push.lock:
                    pushes = list(push.received)
                    rejected = list(push.rejected)
                connection.send(
                    {
                        "emails": len(ids),
                        "email_duplicates": len(ids) - len(set(ids)),
                        "sms": len(texts),
                        "sms_duplicates": len(texts) - len(set(texts)),
                        "sms_requests": requests,
                        "pushes": len(pushes),
                        "push_duplicates": len(pushes) - len(set(pushes)),
                        "push_rejected": len(rejected),
                        "push_rejections": rejected[:3],
                        "cpu_seconds": _process_cpu_seconds(),
                    }
                )
            elif command[0] == "bodies":
                with push.lock:
                    connection.send(list(push.bodies))
            else:
                connection.send(ValueError(f"unknown command {command!r}"))
    finally:
        push.stop()
        sms.close()
        smtp.stop()
