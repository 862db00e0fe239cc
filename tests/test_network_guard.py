"""The network guard (tests/network_guard.py): outside the loopback, a test's connection
fails at once with the address in the error; the loopback and Unix sockets still work."""

import re
import smtplib
import socket

import pytest
import requests

from tests.network_guard import NetworkAccessRefused

OUTSIDE = "203.0.113.1"  # TEST-NET-3: unroutable, a connection attempt would just hang


def test_a_connection_outside_the_loopback_fails_loudly_naming_the_address():
    with socket.socket() as sock, pytest.raises(NetworkAccessRefused, match=re.escape(OUTSIDE)):
        sock.connect((OUTSIDE, 80))
    with socket.socket() as sock, pytest.raises(NetworkAccessRefused, match=re.escape(OUTSIDE)):
        sock.connect_ex((OUTSIDE, 80))
    with pytest.raises(NetworkAccessRefused, match=re.escape(OUTSIDE)):
        socket.create_connection((OUTSIDE, 443), timeout=1)
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(NetworkAccessRefused):
        sock.connect(("2001:db8::1", 80, 0, 0))


def test_a_name_other_than_localhost_is_not_looked_up():
    with pytest.raises(NetworkAccessRefused, match=re.escape("api.orange.com")):
        socket.getaddrinfo("api.orange.com", 443)
    with pytest.raises(NetworkAccessRefused, match=re.escape("fcm.googleapis.com")):
        socket.gethostbyname("fcm.googleapis.com")
    with pytest.raises(NetworkAccessRefused, match=re.escape("smtp.exemple.ci")):
        socket.create_connection(("smtp.exemple.ci", 25), timeout=1)


def test_libraries_hit_the_guard_too():
    with pytest.raises(requests.ConnectionError, match=re.escape(OUTSIDE)):
        requests.get(f"http://{OUTSIDE}/oauth/v3/token", timeout=1)
    with pytest.raises(NetworkAccessRefused, match=re.escape("smtp.exemple.ci")):
        smtplib.SMTP("smtp.exemple.ci", 25, timeout=1)


def _connect_through_the_guard(listen_on: str, connect_to: str) -> None:
    family = socket.AF_INET6 if ":" in listen_on else socket.AF_INET
    with socket.create_server((listen_on, 0), family=family) as server:
        port = server.getsockname()[1]
        with socket.create_connection((connect_to, port), timeout=5):
            server.accept()[0].close()


@pytest.mark.parametrize(
    ("listen_on", "connect_to"),
    [("127.0.0.1", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"), ("127.0.0.1", "localhost")],
)
def test_the_loopback_still_works(listen_on, connect_to):
    _connect_through_the_guard(listen_on, connect_to)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this machine")
def test_the_ipv6_loopback_still_works():
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:
        pytest.skip("::1 is not configured on this machine")
    _connect_through_the_guard("::1", "::1")


def test_localhost_is_still_looked_up():
    assert socket.gethostbyname("localhost").startswith("127.")
    assert socket.getaddrinfo("localhost", 80)


def test_unix_sockets_still_work(tmp_path):
    path = str(tmp_path / "sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
