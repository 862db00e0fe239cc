from django.core.management.base import BaseCommand

from monquartier.web.demo import demo_logins, load_demo_data


class Command(BaseCommand):
    help = "Load the Abidjan demo data. Running it again changes nothing."

    def handle(self, *args, **options):
        summary = load_demo_data()
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(f"Demo log-ins (password: {demo_logins()[0][2]}):")
        for role, email, _password in demo_logins():
            self.stdout.write(f"  {role:<28} {email}")
