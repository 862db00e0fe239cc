"""Where the member's pushes go: a browser's web push subscription (as the website's
subscription view registers it), and a native app's Firebase Cloud Messaging token.

Both go through the same services as the website (outbox/devices.py), so a subscription
is checked the same way. The website asks a browser new to the member for the password
first; here the device's token already proves it (it was issued for the password, and
the second factor where the account needs one). An app's FCM token belongs to the
sign-in that registered it: signing out, revoking the device in Paramètres, changing the
password, a suspension or a closure end its pushes too."""

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import Field

from monquartier.api.auth import current_token, signed_in
from monquartier.api.idempotency import idempotent
from monquartier.api.v1.schemas import Error, Input
from monquartier.outbox import devices
from monquartier.outbox.devices import InvalidSubscription
from monquartier.outbox.models import ENDPOINT_MAX_LENGTH, FCM_TOKEN_MAX_LENGTH
from monquartier.outbox.push import vapid_keys

router = Router(tags=["push"])


class PushKeyOut(Schema):
    public_key: str


class SubscriptionKeys(Input):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=200)


class SubscriptionIn(Input):
    """A browser's PushSubscription.toJSON()."""

    endpoint: str = Field(max_length=ENDPOINT_MAX_LENGTH)
    keys: SubscriptionKeys


class SubscriptionOut(Schema):
    id: int
    created: bool


class EndpointIn(Input):
    endpoint: str = Field(max_length=ENDPOINT_MAX_LENGTH)


class DeletedOut(Schema):
    deleted: bool


class AppTokenIn(Input):
    token: str = Field(max_length=FCM_TOKEN_MAX_LENGTH)
    platform: Literal["android", "ios"] | None = None


class AppTokenOut(Schema):
    device: int
    platform: str
    created: bool


def _refused(error: InvalidSubscription) -> ValidationError:
    return ValidationError({error.field or "__all__": [str(error)]})


@router.get("/push/key", response={200: PushKeyOut, 401: Error}, summary="Web push key")
def push_key(request: HttpRequest):
    """Our VAPID public key (base64url), the `applicationServerKey` a browser subscribes
    with."""
    signed_in(request)
    _private, public = vapid_keys()
    return PushKeyOut(public_key=public)


@router.post(
    "/push/subscriptions",
    response={200: SubscriptionOut, 201: SubscriptionOut, 401: Error, 409: Error, 422: Error},
    summary="Register a browser",
)
@decorate_view(idempotent)
def subscribe(request: HttpRequest, payload: SubscriptionIn):
    """Pushes to this browser from now on. The endpoint names the browser: sent again,
    it is updated (200); a browser another member had moves to this one. The member's
    ten most recent browsers are kept."""
    user = signed_in(request)
    try:
        subscription, created = devices.subscribe(
            user, payload.model_dump(), user_agent=request.headers.get("User-Agent", "")
        )
    except InvalidSubscription as error:
        raise _refused(error) from None
    out = SubscriptionOut(id=subscription.pk, created=created)
    return Status(201, out) if created else out


@router.post(
    "/push/subscriptions/remove",
    response={200: DeletedOut, 401: Error, 422: Error},
    summary="Forget a browser",
)
def unsubscribe(request: HttpRequest, payload: EndpointIn):
    """No more pushes to this browser. The same answer when there was nothing to forget,
    so that a repeat does no harm."""
    try:
        deleted = devices.unsubscribe(signed_in(request), payload.endpoint)
    except InvalidSubscription as error:
        raise _refused(error) from None
    return DeletedOut(deleted=deleted)


@router.put(
    "/push/app",
    response={200: AppTokenOut, 201: AppTokenOut, 401: Error, 422: Error},
    summary="Register this app",
)
def register_app(request: HttpRequest, payload: AppTokenIn):
    """This device's Firebase Cloud Messaging registration token, for the sign-in whose
    token authorises the request. Send it at every start and whenever Firebase gives a
    new one: it replaces the previous one (200), the first is 201."""
    token = current_token(request)
    try:
        registration, created = devices.register_app(
            token, payload.token, platform=payload.platform or ""
        )
    except InvalidSubscription as error:
        raise _refused(error) from None
    out = AppTokenOut(device=token.pk, platform=registration.platform, created=created)
    return Status(201, out) if created else out


@router.delete("/push/app", response={204: None, 401: Error}, summary="Unregister this app")
def unregister_app(request: HttpRequest):
    """No more pushes to this device's app (the member turned them off in the app).
    Signing out does this by itself."""
    devices.unregister_app(current_token(request))
    return Status(204, None)
