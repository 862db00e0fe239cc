import datetime

from django.core.management.base import BaseCommand, CommandError

from monquartier.townhalls import stats


class Command(BaseCommand):
    help = (
        "Count again every closed day of the town halls' dashboard (its daily aggregate), "
        "from the first alert or --from, up to yesterday."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD.")

    def handle(self, *args, start: str | None, **options):
        day = None
        if start:
            try:
                day = datetime.date.fromisoformat(start)
            except ValueError as error:
                raise CommandError(f"--from: not a date (YYYY-MM-DD): {start}") from error
        written = stats.backfill(day)
        self.stdout.write(f"{written} rows written.")
