"""Print the code that the demo staff account's second factor asks for right now.

The secret is the demo's, printed by make demo: this command knows no other account's.
"""

from django.core.management.base import BaseCommand

from monquartier.accounts.demo import demo_staff_totp_code


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo staff account."

    def handle(self, *args, **options):
        self.stdout.write(demo_staff_totp_code())
