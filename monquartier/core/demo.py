"""The demo data, app by app. Each loader is idempotent; later features add theirs here."""

from monquartier.accounts.demo import create_demo_people, named_logins


def load_demo_data() -> list[str]:
    created, total = create_demo_people()
    return [f"People: {total} ({created} new)."]


def demo_logins() -> list[tuple[str, str, str]]:
    return named_logins()
