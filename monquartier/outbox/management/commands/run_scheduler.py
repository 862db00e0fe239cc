import signal
import time

from django.core.management.base import BaseCommand

from monquartier.outbox.scheduler import tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs (digests, reminders, escalations, birthdays, the sweep), once per period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=15.0, help="Seconds between ticks (default 15)."
        )
        parser.add_argument(
            "--once", action="store_true", help="One tick, then exit (for cron or tests)."
        )

    def handle(self, *args, interval: float, once: bool, **options):
        running = True

        def stop(*_args):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            for entry in tick():
                self.stdout.write(f"enqueued {entry}")
            if once:
                return
            deadline = time.monotonic() + interval
            while running and time.monotonic() < deadline:
                time.sleep(0.2)
