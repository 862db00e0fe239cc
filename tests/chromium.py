"""Debian's Chromium, driven by Playwright, shared by every test that opens pages (the
browser tests, the 2G benchmark's test): one per test process, since Playwright's sync API
cannot run twice in one thread. The `browser` fixture is in tests/conftest.py."""

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium is outside the test process's network guard (tests/network_guard.py): every
# request it would send past the loopback goes to a "proxy" that refuses connections (a
# port bound and never listened on), and nothing but localhost and 127.0.0.1 (where nginx
# listens in front of the 2G test) is looked up. Chromium always reaches the loopback
# directly, never through a proxy.
OUTSIDE_REFUSED_ARGS = [
    "--proxy-server=http://127.0.0.1:{port}",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
