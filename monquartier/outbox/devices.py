"""The devices a member's pushes go to, and registering them: browsers (web push,
PushSubscription) and native apps (Firebase Cloud Messaging, FCMRegistration).

The website's subscription view (web/pwa.py) and the API (api/v1/devices.py) both call
these services, so a subscription is checked the same way whichever way it came. The
fan-outs ask "has this member a device for pushes?" through `has_push_device` (ORM) or
`HAS_PUSH_DEVICE` (their SQL), so that a member with only the app gets the push rows.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from monquartier.outbox.models import (
    ENDPOINT_MAX_LENGTH,
    FCM_TOKEN_MAX_LENGTH,
    USER_AGENT_MAX_LENGTH,
    AppPlatform,
    FCMRegistration,
    PushSubscription,
)
from monquartier.outbox.push import b64url_decode

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS_PER_USER = 10
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# The push services of the browsers members use; PUSH_SERVICE_HOSTS replaces the list.
# A name allows itself and its subdomains.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Samsung Internet, Opera, Edge on Android…
    "android.googleapis.com",
    "push.services.mozilla.com",  # Firefox
    "push.apple.com",  # Safari (web.push.apple.com)
    "notify.windows.com",  # Edge on Windows
)
# What Firebase's SDKs hand an app: letters, digits and ":-_" (no spaces, no URL).
_FCM_TOKEN = re.compile(rf"^[A-Za-z0-9:_-]{{20,{FCM_TOKEN_MAX_LENGTH}}}$")

# For the fan-outs' SQL: `u` is the member's row; {push} and {fcm} the tables
# (push_device_tables()).
HAS_PUSH_DEVICE = (
    "(EXISTS (SELECT 1 FROM {push} p WHERE p.user_id = u.id)"
    " OR EXISTS (SELECT 1 FROM {fcm} f WHERE f.user_id = u.id))"
)


def push_device_tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "push": quote(PushSubscription._meta.db_table),
        "fcm": quote(FCMRegistration._meta.db_table),
    }


def has_push_device() -> Q:
    """A condition on users (an annotation, a filter): those with a browser or an app to
    push to."""
    return Q(Exists(PushSubscription.objects.filter(user=OuterRef("pk")))) | Q(
        Exists(FCMRegistration.objects.filter(user=OuterRef("pk")))
    )


def users_with_push_device(user_ids) -> set[int]:
    ids = set(user_ids)
    return set(
        PushSubscription.objects.filter(user_id__in=ids).values_list("user_id", flat=True)
    ) | set(FCMRegistration.objects.filter(user_id__in=ids).values_list("user_id", flat=True))


def member_has_push_device(user) -> bool:
    return (
        PushSubscription.objects.filter(user=user).exists()
        or FCMRegistration.objects.filter(user=user).exists()
    )


class InvalidSubscription(ValueError):
    """A subscription or token refused; the message is for the member, the field names
    what was wrong."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# --- web push --------------------------------------------------------------------------


def _allowed_host(host: str) -> bool:
    allowed = getattr(settings, "PUSH_SERVICE_HOSTS", None)
    if allowed is None:
        allowed = PUSH_SERVICE_HOSTS
    return any(host == name or host.endswith("." + name) for name in allowed)


def clean_endpoint(value: Any) -> str:
    """An https URL at a known push service: the worker will POST to it, so it must not
    be a way to reach other machines (our own network included)."""
    invalid = _("L'adresse de l'abonnement n'est pas valide.")
    if not isinstance(value, str) or not value:
        raise InvalidSubscription(_("L'adresse de l'abonnement manque."), "endpoint")
    if len(value) > ENDPOINT_MAX_LENGTH:
        raise InvalidSubscription(_("L'adresse de l'abonnement est trop longue."), "endpoint")
    if re.search(r"[\s\x00-\x1f\x7f]", value):
        raise InvalidSubscription(invalid, "endpoint")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise InvalidSubscription(invalid, "endpoint") from error
    host = (parts.hostname or "").lower()
    if settings.DEBUG and host in LOCAL_HOSTS and parts.scheme in ("http", "https"):
        return value  # a fake push service on the developer's machine
    if parts.scheme != "https":
        raise InvalidSubscription(
            _("L'adresse de l'abonnement doit commencer par https://."), "endpoint"
        )
    if not host or parts.username or parts.password or port not in (None, 443):
        raise InvalidSubscription(invalid, "endpoint")
    if not _allowed_host(host):
        logger.warning("Push subscription refused for an unknown push service: %s", host)
        raise InvalidSubscription(
            _("Ce service de notifications n'est pas pris en charge."), "endpoint"
        )
    return value


def _clean_key(keys: dict[str, Any], name: str, size: int) -> str:
    value = keys.get(name)
    try:
        if not isinstance(value, str) or len(value) > 200:
            raise ValueError(name)
        raw = b64url_decode(value)
        if len(raw) != size:
            raise ValueError(name)
        if name == "p256dh":  # an uncompressed point on the P-256 curve
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as error:
        raise InvalidSubscription(
            _("La clé « %(name)s » de l'abonnement n'est pas valide.") % {"name": name}, name
        ) from error
    return value.rstrip("=")


def clean_subscription(data: dict[str, Any]) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from a browser's PushSubscription.toJSON()."""
    endpoint = clean_endpoint(data.get("endpoint"))
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidSubscription(_("Les clés de l'abonnement manquent."), "keys")
    return endpoint, _clean_key(keys, "p256dh", 65), _clean_key(keys, "auth", 16)


def is_own_subscription(user, endpoint: str) -> bool:
    return PushSubscription.objects.filter(endpoint=endpoint, user=user).exists()


@transaction.atomic
def subscribe(user, data: dict[str, Any], *, user_agent: str = "") -> tuple[PushSubscription, bool]:
    """Store a browser's push subscription for the member: (the row, whether it is new).
    The endpoint identifies the browser: the same browser subscribing for another member
    (a shared phone) moves to that member. Raises InvalidSubscription, changing nothing.
    The caller has made sure the member proved who they are on this device."""
    endpoint, p256dh, auth = clean_subscription(data)
    subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": (user_agent or "")[:USER_AGENT_MAX_LENGTH],
        },
    )
    # Each alert goes to every device: keep the member's most recent few.
    stale = (
        PushSubscription.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[MAX_SUBSCRIPTIONS_PER_USER:]
    )
    PushSubscription.objects.filter(pk__in=list(stale)).delete()
    return subscription, created


def unsubscribe(user, endpoint: Any) -> bool:
    """Forget a browser's subscription if it is the member's: True if there was one."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX_LENGTH:
        raise InvalidSubscription(_("L'adresse de l'abonnement manque."), "endpoint")
    deleted, _details = PushSubscription.objects.filter(endpoint=endpoint, user=user).delete()
    return bool(deleted)


# --- native apps (FCM) -----------------------------------------------------------------


def clean_fcm_token(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSubscription(_("Le jeton de notifications manque."), "token")
    value = value.strip()
    if not _FCM_TOKEN.match(value):
        raise InvalidSubscription(
            _("Ce jeton de notifications n'est pas un jeton Firebase valide."), "token"
        )
    return value


@transaction.atomic
def register_app(device, token: Any, *, platform: str = "") -> tuple[FCMRegistration, bool]:
    """Tie an app's FCM token to the API sign-in (accounts.DeviceToken) it came with:
    (the row, whether it is new). A sign-in has one token: a new one replaces the old. A
    token another sign-in had (the phone changed hands) moves to this one."""
    token = clean_fcm_token(token)
    if platform not in ("", *AppPlatform.values):
        raise InvalidSubscription(_("Choisissez une des valeurs proposées."), "platform")
    FCMRegistration.objects.filter(token=token).exclude(device_id=device.pk).delete()
    registration, created = FCMRegistration.objects.update_or_create(
        device_id=device.pk,
        defaults={"user_id": device.user_id, "token": token, "platform": platform},
    )
    return registration, created


def unregister_app(device) -> bool:
    """Stop pushes to the app of this sign-in: True if it had a token."""
    deleted, _details = FCMRegistration.objects.filter(device_id=device.pk).delete()
    return bool(deleted)
