"""No test reaches outside the machine: a pytest plugin (loaded by tests/conftest.py) that
refuses, with an error naming the address, every connection from the test process to
anything but the loopback (127.0.0.0/8, ::1, localhost) or a Unix socket, and every
name lookup (getaddrinfo, gethostbyname) other than localhost's. A forgotten fake fails
loudly instead of calling a real SMS gateway, SMTP server or tile server.

Installed at start-up, so collection, fixtures and tests of every xdist worker are covered.
The processes the tests start (manage.py workers, Chromium) are outside it: the browser is
held back by its own flags (tests/chromium.py), the workers only get addresses of
local fakes. libpq (psycopg) opens the database connection in C: DATABASE_URL chooses it.
"""

import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_create_connection = socket.create_connection
_getaddrinfo = socket.getaddrinfo
_gethostbyname = socket.gethostbyname
_gethostbyname_ex = socket.gethostbyname_ex


class NetworkAccessRefused(OSError):
    """A test tried to reach outside the loopback."""


def _host_text(host: object) -> str:
    return host.decode() if isinstance(host, bytes) else str(host)


def is_local_host(host: object) -> bool:
    """True for a loopback address or a name of this machine's loopback."""
    text = _host_text(host).strip("[]").lower().rstrip(".")
    if text in LOCAL_NAMES or text.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_numeric(host: object) -> bool:
    try:
        ipaddress.ip_address(_host_text(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refuse(what: str, target: object) -> NetworkAccessRefused:
    return NetworkAccessRefused(
        f"Test tried to {what} {target!r}, outside the loopback: tests reach only "
        "127.0.0.0/8, ::1, localhost and Unix sockets. Use a fake (tests/fakes/, "
        "`responses`, the locmem backends) instead."
    )


def _check_address(sock: socket.socket, address: object) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    if not isinstance(address, tuple) or not address or not is_local_host(address[0]):
        raise _refuse("connect to", address)


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _connect_ex(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    if not is_local_host(address[0]):
        raise _refuse("connect to", address)
    return _create_connection(address, *args, **kwargs)


def _check_lookup(host: object) -> None:
    # None is the wildcard of servers binding; a numeric address needs no lookup (connect
    # decides); any other name than the loopback's would ask a DNS server.
    if host is not None and not _is_numeric(host) and not is_local_host(host):
        raise _refuse("look up", _host_text(host))


def _guarded_getaddrinfo(host, *args, **kwargs):
    _check_lookup(host)
    return _getaddrinfo(host, *args, **kwargs)


def _guarded_gethostbyname(host):
    _check_lookup(host)
    return _gethostbyname(host)


def _guarded_gethostbyname_ex(host):
    _check_lookup(host)
    return _gethostbyname_ex(host)


def install() -> None:
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.create_connection = _guarded_create_connection
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.gethostbyname = _guarded_gethostbyname
    socket.gethostbyname_ex = _guarded_gethostbyname_ex


def uninstall() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.create_connection = _create_connection
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname
    socket.gethostbyname_ex = _gethostbyname_ex


def pytest_configure(config) -> None:
    install()


def pytest_unconfigure(config) -> None:
    uninstall()
