"""Start the demo: the web server, the task worker and the scheduler, until Ctrl-C."""

import os
import signal
import subprocess  # nosec B404 # starts our own manage.py, see handle()
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from monquartier.web.demo import DEMO_STAFF_TOTP_SECRET, demo_logins

# Only compared with --host, to print a link that opens in a browser.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 # nosec B104


def demo_commands(host: str, port: int) -> dict[str, list[str]]:
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    commands = {
        "web": [*manage, "runserver", f"{host}:{port}"],
        "worker": [*manage, "db_worker", "--interval", "0.5"],
        "scheduler": [*manage, "run_scheduler"],
    }
    payments = fake_payments_command()
    if payments:
        commands["payments"] = payments
    return commands


def fake_payments_command() -> list[str] | None:
    """The shop pays through the fake mobile-money aggregator of the tests (a wallet page
    to approve or refuse, signed notifications, status checks), when the settings point
    at this machine: a real aggregator configured in the environment is left alone."""
    address = urlsplit(settings.SHOP_PAYMENT_API_URL)
    if address.hostname not in ("127.0.0.1", "localhost") or not address.port:
        return None
    return [
        sys.executable,
        "-m",
        "tests.fakes.payment_provider",
        "--port",
        str(address.port),
        "--api-key",
        settings.SHOP_PAYMENT_API_KEY,
        "--site-id",
        settings.SHOP_PAYMENT_SITE_ID,
        "--secret-key",
        settings.SHOP_PAYMENT_SECRET_KEY,
    ]


def demo_environment(host: str, port: int) -> tuple[str, dict[str, str]]:
    """The site address and the environment of the three processes. Links in e-mails and
    SMS (SITE_URL) are written by the worker and the web server: they all get the port the
    demo listens on. A SITE_URL set in the environment (a tunnel, a proxy) wins."""
    local = "localhost" if host in ("127.0.0.1", ALL_INTERFACES) else host
    site_url = os.environ.get("SITE_URL") or f"http://{local}:{port}"
    return site_url.rstrip("/"), {**os.environ, "SITE_URL": site_url}


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler of the demo together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, host: str, port: int, **options):
        site_url, environment = demo_environment(host, port)
        processes = {
            # Our own manage.py with fixed arguments: no shell, nothing a visitor can set.
            name: subprocess.Popen(command, env=environment, cwd=settings.BASE_DIR)  # nosec B603
            for name, command in demo_commands(host, port).items()
        }
        time.sleep(2)
        self.stdout.write(self._banner(site_url))

        def stop(*_args):
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        for name, process in processes.items():
            if process.returncode not in (0, None, -signal.SIGTERM, -signal.SIGINT):
                self.stderr.write(f"The {name} process stopped with code {process.returncode}.")

    def _banner(self, site_url: str) -> str:
        address = f"{site_url}/"
        lines = [
            "",
            "=" * 72,
            f"MonQuartier demo: {address}",
            f"E-mails and SMS sent by the demo: {address}dev/boite-d-envoi/",
            f"The shop ({address}boutique/) pays with a fake mobile-money wallet: "
            f"{settings.SHOP_PAYMENT_API_URL}",
            f"Log-ins (password for all: {demo_logins()[0][2]})",
        ]
        lines += [f"  {role:<28} {email}" for role, email, _password in demo_logins()]
        lines += [
            "Staff and the town-hall agent also type a code (second factor):",
            "  .venv/bin/python manage.py demo_totp_code",
            f"  or add the secret {DEMO_STAFF_TOTP_SECRET} to an authenticator app.",
        ]
        lines += ["Stop with Ctrl-C.", "=" * 72, ""]
        return "\n".join(lines)
