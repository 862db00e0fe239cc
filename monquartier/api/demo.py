"""The API's demo data: Yao's phone is signed in to the app, so the demo's Appareils
connectés page has a row and docs/api.md's examples work with a known token at once.

The secret is public like the demo's password (make demo prints both); a real sign-in
makes a random one (accounts.services.issue_device_token)."""

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import DeviceToken, User

DEMO_API_TOKEN = "demo-yao-android-token-not-secret-0000000000"  # noqa: S105 # nosec B105
DEMO_DEVICE_NAME = "Téléphone Android de Yao"


def create_demo_device_tokens() -> int:
    """Idempotent: the token is found again by its hash. Sends nothing."""
    yao = User.objects.filter(email=email_for("Yao", "Kouassi")).first()
    if yao is None:
        return 0
    _token, created = DeviceToken.objects.get_or_create(
        token_hash=DeviceToken.hash_secret(DEMO_API_TOKEN),
        defaults={"user": yao, "name": DEMO_DEVICE_NAME},
    )
    return int(created)
