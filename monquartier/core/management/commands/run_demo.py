"""Start the demo: the web server, the task worker and the scheduler, until Ctrl-C."""

import os
import signal
import subprocess  # nosec B404 # starts our own manage.py, see handle()
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from monquartier.core.demo import DEMO_STAFF_TOTP_SECRET, demo_logins

# Only compared with --host, to print a link that opens in a browser.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 # nosec B104


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler of the demo together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, host: str, port: int, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        processes = {
            # Our own manage.py with fixed arguments: no shell, nothing a visitor can set.
            "web": subprocess.Popen([*manage, "runserver", f"{host}:{port}"]),  # nosec B603
            "worker": subprocess.Popen([*manage, "db_worker", "--interval", "0.5"]),  # nosec B603
            "scheduler": subprocess.Popen([*manage, "run_scheduler"]),  # nosec B603
        }
        time.sleep(2)
        self.stdout.write(self._banner(host, port))

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

    def _banner(self, host: str, port: int) -> str:
        address = f"http://{'localhost' if host in ('127.0.0.1', ALL_INTERFACES) else host}:{port}/"
        lines = [
            "",
            "=" * 72,
            f"MonQuartier demo: {address}",
            f"E-mails and SMS sent by the demo: {address}dev/boite-d-envoi/",
            f"Log-ins (password for all: {demo_logins()[0][2]})",
        ]
        lines += [f"  {role:<28} {email}" for role, email, _password in demo_logins()]
        lines += [
            "Staff also type a code (second factor): .venv/bin/python manage.py demo_totp_code",
            f"  or add the secret {DEMO_STAFF_TOTP_SECRET} to an authenticator app.",
        ]
        lines += ["Stop with Ctrl-C.", "=" * 72, ""]
        return "\n".join(lines)
