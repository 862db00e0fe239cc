"""Loopback ports that answer no request, for the transports' timeout and connection
error tests: `refusing()` refuses every connection, `never_accepting()` lets none
connect (its accept queue is full, so the kernel drops the attempt and the client's
connect times out)."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refusing() -> Iterator[int]:
    """A port bound but not listening: a connection is refused at once."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@contextmanager
def never_accepting() -> Iterator[int]:
    """A listening port that never accepts, its queue filled until a connection attempt
    times out: the next one (the client's) times out too. On Linux, which drops such
    attempts; elsewhere a client may connect and then wait for an answer instead."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        queued: list[socket.socket] = []
        try:
            while len(queued) < 8:
                probe = socket.socket()
                probe.settimeout(0.2)
                try:
                    probe.connect(("127.0.0.1", port))
                except TimeoutError:
                    probe.close()
                    break
                queued.append(probe)
            yield port
        finally:
            for probe in queued:
                probe.close()
