"""A real SMTP server on 127.0.0.1 that keeps what it receives (aiosmtpd), for the
e-mail integration tests and the benchmarks. It can be stopped and started again on the
same port, to play an SMTP server that goes down and comes back."""

import email
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.sink.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw)
        with self.sink.lock:
            self.sink.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "subject": message.get("Subject", ""),
                    "message_id": message.get("Message-ID", ""),
                    "raw": raw,
                    "peer": session.peer,
                }
            )
        return "250 Message accepted"


class SMTPSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[dict] = []
        self.refused: set[str] = set()  # addresses answered 550 at RCPT
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> "SMTPSink":
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["message_id"] for message in self.messages]

    def __enter__(self) -> "SMTPSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
