"""The demo data, app by app. Each loader is idempotent; later features add theirs here."""

from monquartier.accounts.demo import create_demo_people, named_logins
from monquartier.communities.demo import create_demo_communities


def load_demo_data() -> list[str]:
    created, total = create_demo_people()
    communities, twinnings = create_demo_communities()
    return [
        f"People: {total} ({created} new).",
        f"Communities: {communities} new, twinnings: {twinnings} new.",
    ]


def demo_logins() -> list[tuple[str, str, str]]:
    return named_logins()
