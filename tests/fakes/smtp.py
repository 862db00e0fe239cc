"""A real SMTP server on 127.0.0.1 that keeps what it receives (aiosmtpd), for the
e-mail integration tests and the benchmarks. It can be stopped and started again on the
same port, to play an SMTP server that goes down and comes back.

The port is the sink's from its creation to close(): bound by the operating system's
choice at once (no probe-then-bind that another test process could win), and, while the
sink is not started, bound without listening, so that connections to it are refused."""

import email
import socket
import threading

from aiosmtpd.controller import Controller


def _reserve(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:port (0: any free one) that does not listen."""
    reserved = socket.socket()
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserved.bind(("127.0.0.1", port))
    return reserved


class _Controller(Controller):
    """aiosmtpd's controller serving on a socket bound beforehand (it takes it over)."""

    def __init__(self, handler: "_Handler", bound: socket.socket):
        self._bound = bound
        super().__init__(handler, hostname="127.0.0.1", port=bound.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(
            self._factory_invoker, sock=self._bound, ssl=self.ssl_context
        )


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
    def __init__(self, port: int = 0):
        self._reserved: socket.socket | None = _reserve(port)
        self.port: int = self._reserved.getsockname()[1]
        self.messages: list[dict] = []
        self.refused: set[str] = set()  # addresses answered 550 at RCPT
        self.lock = threading.Lock()
        self._controller: _Controller | None = None

    def start(self) -> "SMTPSink":
        if self._controller is None:
            bound, self._reserved = self._reserved or _reserve(self.port), None
            self._controller = _Controller(_Handler(self), bound)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Down: connections are refused, the port stays the sink's."""
        if self._controller is not None:
            self._controller.stop()  # closes the listening socket
            self._controller = None
            self._reserved = _reserve(self.port)

    def close(self) -> None:
        """Stopped for good: the port is given back."""
        self.stop()
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message["message_id"] for message in self.messages]

    def __enter__(self) -> "SMTPSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()
