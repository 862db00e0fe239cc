"""Links in e-mails that log the member straight into the item.

A link carries the member's id and the page, signed with the site's secret; it logs in
for 7 days, once. The signature includes a hash of the member's password, e-mail, status
and last log-in, so any log-in (this link's, another link's, the password's) voids the
links sent before it, as does changing the password or the e-mail or closing the
account. A void or expired link still leads to the page, through the log-in form. A
browser logged in already stays with its account. Staff accounts never log in by link.
A session opened by a link has typed no password: the pages that could hand the account
over ask for it (accounts/reauthentication.py).
"""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from monquartier.core.paths import path_prefix

LINK_MAX_AGE = 7 * 24 * 3600
_SALT = "monquartier.notifications.links"


# What _user_state reads of the member: a sender that loads members narrowly loads these.
SIGNED_USER_FIELDS = ("password", "email", "is_active", "last_login")


class _Keys:
    """The two keyed hashes a link needs, derived from the secret once, not per link.

    They are the keys django.utils.crypto.salted_hmac derives (the hash of the salt and
    the secret), kept as ready HMAC objects that each link copies: an alert's 6,000
    e-mails derived them 12,000 times. The secret is read on each use, so a changed
    SECRET_KEY (tests override it) derives them again.
    """

    def __init__(self) -> None:
        self._secret: str | None = None

    def _derive(self, secret: str) -> None:
        raw = secret.encode()
        # The member's state: salted_hmac(_SALT, state), SHA-1 as its default. In an
        # HMAC, as there, SHA-1's collisions do not matter; another hash would void the
        # links already sent.
        self._state = hmac.new(
            hashlib.sha1(_SALT.encode() + raw).digest(),  # noqa: S324  # nosec B324
            digestmod=hashlib.sha1,
        )
        # The signature: what signing.TimestampSigner(salt=_SALT) computes, SHA-256.
        self._signer = hmac.new(
            hashlib.sha256((_SALT + "signer").encode() + raw).digest(),
            digestmod=hashlib.sha256,
        )
        self._secret = secret

    def _current(self) -> "_Keys":
        if self._secret != settings.SECRET_KEY:
            self._derive(settings.SECRET_KEY)
        return self

    def state(self, message: bytes) -> str:
        mac = self._current()._state.copy()
        mac.update(message)
        return mac.hexdigest()

    def signature(self, message: bytes) -> str:
        mac = self._current()._signer.copy()
        mac.update(message)
        return signing.b64_encode(mac.digest()).decode()


_keys = _Keys()


def _user_state(user) -> str:
    # last_login: the log-in a link makes changes it, so a link logs in only once.
    state = f"{user.password}{user.email}{user.is_active}{user.last_login}"
    return _keys.state(state.encode())[:12]


def _token(payload: dict) -> str:
    """signing.dumps(payload, salt=_SALT), character for character, so that
    signing.loads reads it, without building a Signer and deriving its key for every
    link as signing.dumps does. Not compressed: zlib never makes so short a payload
    shorter (tried, for every e-mail of an alert)."""
    data = json.dumps(payload, separators=(",", ":")).encode("latin-1")
    value = f"{signing.b64_encode(data).decode()}:{signing.b62_encode(int(time.time()))}"
    return f"{value}:{_keys.signature(value.encode())}"


def signed_path(user, path: str) -> str:
    token = _token({"u": user.pk, "p": path, "s": _user_state(user)})
    # reverse() once, not once per e-mail of an alert.
    return path_prefix("notification_link") + token + "/"


def absolute_link(user, path: str) -> str:
    return settings.SITE_URL + signed_path(user, path)


def _safe_path(path) -> str:
    if (
        isinstance(path, str)
        and path.startswith("/")
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    ):
        return path
    return "/"


@login_not_required
@never_cache
def follow_link(request, token: str):
    try:
        data = signing.loads(token, salt=_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        # Expired: still take the member to the item, after they log in.
        data = signing.loads(token, salt=_SALT)
        return redirect(_login_then(_safe_path(data.get("p"))))
    except signing.BadSignature:
        return redirect("account_login")
    path = _safe_path(data.get("p"))
    if request.user.is_authenticated:
        if request.user.pk != data.get("u"):
            # A shared phone: the link never switches accounts behind anyone's back.
            messages.info(
                request,
                _(
                    "Ce lien vient d'un e-mail envoyé à un autre compte. Vous restez "
                    "connecté avec le vôtre. Pour ouvrir l'autre compte, déconnectez-vous "
                    "d'abord."
                ),
            )
        return redirect(path)
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.is_staff or data.get("s") != _user_state(user):
        return redirect(_login_then(path))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(path)


def _login_then(path: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': path})}"
