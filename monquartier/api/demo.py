"""The API's demo data: Yao's phone, and that of Awa (référente of Riviera 2), are signed
in to the app, so the demo's Appareils connectés page has a row and docs/api.md's
examples (a member's, a référent's) work with a known token at once; and so is the town
hall of Cocody's system, with its agent's token, for the partners' section.

The secret is public like the demo's password (make demo prints both); a real sign-in
makes a random one (accounts.services.issue_device_token)."""

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import DeviceToken, User
from monquartier.townhalls.demo import DEMO_AGENT_EMAIL

DEMO_API_TOKEN = "demo-yao-android-token-not-secret-0000000000"  # noqa: S105 # nosec B105
DEMO_DEVICE_NAME = "Téléphone Android de Yao"
DEMO_AGENT_API_TOKEN = "demo-mairie-cocody-token-not-secret-000000000"  # noqa: S105 # nosec B105
DEMO_AGENT_DEVICE_NAME = "Logiciel de la mairie de Cocody"

# The référente's: the référents' endpoints (docs/api.md, "Référents").
DEMO_REFERENT_API_TOKEN = "demo-awa-iphone-token-not-secret-00000000000"  # noqa: S105 # nosec B105
DEMO_REFERENT_DEVICE_NAME = "iPhone d'Awa"


def create_demo_device_tokens() -> int:
    """Idempotent: each token is found again by its hash. Sends nothing. The agent's
    only once the demo's town hall exists."""
    created_count = 0
    for email, secret, device in (
        (email_for("Yao", "Kouassi"), DEMO_API_TOKEN, DEMO_DEVICE_NAME),
        (email_for("Awa", "Koné"), DEMO_REFERENT_API_TOKEN, DEMO_REFERENT_DEVICE_NAME),
        (DEMO_AGENT_EMAIL, DEMO_AGENT_API_TOKEN, DEMO_AGENT_DEVICE_NAME),
    ):
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        _token, created = DeviceToken.objects.get_or_create(
            token_hash=DeviceToken.hash_secret(secret), defaults={"user": user, "name": device}
        )
        created_count += created
    return created_count
