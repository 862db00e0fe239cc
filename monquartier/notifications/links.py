"""Links in e-mails that log the member straight into the item.

A link carries the member's id and the page, signed with the site's secret; it works for
7 days. After that it still leads to the page, through the log-in form. The signature
includes a hash of the member's password and e-mail, so changing either (or closing the
account) voids every link already sent. Staff accounts never log in by link.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from monquartier.core.paths import path_prefix

LINK_MAX_AGE = 7 * 24 * 3600
_SALT = "monquartier.notifications.links"


def _user_state(user) -> str:
    return salted_hmac(_SALT, f"{user.password}{user.email}{user.is_active}").hexdigest()[:12]


def signed_path(user, path: str) -> str:
    token = signing.dumps(
        {"u": user.pk, "p": path, "s": _user_state(user)}, salt=_SALT, compress=True
    )
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
        return redirect(
            f"{reverse('account_login')}?{urlencode({'next': _safe_path(data.get('p'))})}"
        )
    except signing.BadSignature:
        return redirect("account_login")
    path = _safe_path(data.get("p"))
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.is_staff or data.get("s") != _user_state(user):
        return redirect(f"{reverse('account_login')}?{urlencode({'next': path})}")
    if request.user.is_authenticated and request.user.pk != user.pk:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': path})}")
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(path)
