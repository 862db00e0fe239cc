"""Who is calling: `Authorization: Bearer <token>`, a device's token (accounts.DeviceToken).

The API never reads the session cookie (http.py sets every request's user to anonymous
before the API sees it): a page open in the same browser cannot act through the API, so
the API needs no CSRF token. Signing in (v1/tokens.py) is the only way to get a token.
"""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from monquartier.accounts.models import DeviceToken, User
from monquartier.accounts.reauthentication import password_given
from monquartier.api.errors import ApiError

# The secrets issued are 43 characters (32 bytes, URL-safe base64): anything much longer
# is not one of ours and is not hashed.
_SECRET_MAX = 100
# "Dernière utilisation" in Paramètres needs no precision to the second: a polling app
# writes once in this interval, not at every request.
LAST_USED_PRECISION = timedelta(minutes=5)
_CACHE = "_device_token"


def token_of(request: HttpRequest) -> DeviceToken | None:
    """The device token the request carries, if valid, with its user; and the request's
    user and language become theirs. Read once per request (idempotency asks first)."""
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    token = _read_token(request)
    setattr(request, _CACHE, token)
    if token is not None:
        request.user = token.user
        translation.activate(token.user.language)
        request.LANGUAGE_CODE = translation.get_language()
    return token


def signed_in(request: HttpRequest) -> User:
    """The account of the device token that ninja's auth accepted for this request."""
    token = token_of(request)
    if token is None:  # only an endpoint declared with auth=None gets here
        raise AuthenticationError
    return token.user


def current_token(request: HttpRequest) -> DeviceToken:
    token = token_of(request)
    if token is None:
        raise AuthenticationError
    return token


def require_password(request: HttpRequest, user: User, password: str) -> None:
    """What the website's re-authentication asks before the e-mail, the password or the
    phones change (accounts/reauthentication.py): here, the password in the request.
    Wrong: 403 `wrong_password` and nothing changes; past the log-in's limits on
    failures, 429."""
    if not user.has_usable_password():
        message = _(
            "Pour cela, choisissez d'abord un mot de passe : demandez un lien sur la page "
            "« Mot de passe oublié » du site, il arrive dans votre boîte e-mail."
        )
        raise ApiError(403, "password_not_set", message, {"password": [message]})
    if not password_given(request, user, password):
        message = _("Ce mot de passe n'est pas le bon.")
        raise ApiError(403, "wrong_password", message, {"password": [message]})


def _read_token(request: HttpRequest) -> DeviceToken | None:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > _SECRET_MAX:
        return None
    token = DeviceToken.objects.for_secret(secret).select_related("user").first()
    # A suspended or closed account has no token left (accounts/services.py); checked
    # again here so a token can never outlive its account.
    if token is None or not token.user.is_active or token.user.is_closed:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class DeviceTokenAuth(HttpBearer):
    """ninja's bearer scheme (the OpenAPI schema says so), our token."""

    def __call__(self, request: HttpRequest) -> DeviceToken | None:
        return token_of(request)

    def authenticate(self, request: HttpRequest, token: str) -> DeviceToken | None:
        return token_of(request)  # pragma: no cover  (__call__ reads the header itself)
