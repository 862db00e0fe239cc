from django.core.management.base import BaseCommand, CommandError

from monquartier.api.schema import SCHEMA_FILES, schema_text


class Command(BaseCommand):
    help = "Write the API's OpenAPI schema to docs/openapi-v1.json (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if the file differs.")

    def handle(self, *args, check: bool = False, **options):
        for version, path in SCHEMA_FILES.items():
            text = schema_text(version)
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if check:
                if current != text:
                    raise CommandError(
                        f"{path.name} is not the API's schema: run `make api-schema` and "
                        "commit the change (a breaking change goes to a new version)."
                    )
                continue
            if current != text:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"{path.name} written")
            else:
                self.stdout.write(f"{path.name} unchanged")
