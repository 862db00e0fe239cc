"""Pages that could hand the account over ask for the password again.

A session may come from a link in an e-mail (notifications/links.py), and whoever reads
a forwarded e-mail or picks up a shared phone can open it. So changing the e-mail, the
password, the phones, the second factor, or closing the account needs the password
typed in this session within ACCOUNT_REAUTHENTICATION_TIMEOUT: at log-in, or on allauth's
"confirm your password" page. A session opened by a link has typed nothing.

The API has no session: an app sends the password with the request that changes these
(password_given), and that one request counts as having typed it.
"""

import time
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# What proves the person at the keyboard knows a secret: the password, or a second
# factor's code (staff, on allauth's "confirm with your code" page).
_SECRET_METHODS = {"password", "mfa"}


# Set on a request that carried the account's password (password_given).
_GIVEN = "_account_password_given"


def password_given(request, user, password: str) -> bool:
    """The request carries the account's password: True, and allauth's flows that ask
    for it again (adding an e-mail, a phone) let this request through. A wrong password
    counts in the log-in's limits on failures (allauth's reauthenticate), so guessing it
    here is no easier than at the log-in page; past them, ValidationError
    "too_many_login_attempts"."""
    if not password or not user.has_usable_password():
        return False
    if not get_adapter(request).reauthenticate(user, password):
        return False
    setattr(request, _GIVEN, True)
    return True


def password_entered_recently(request) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    if getattr(request, _GIVEN, False):
        return True
    now = time.time()
    return any(
        record.get("method") in _SECRET_METHODS
        and now - record.get("at", 0) < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        for record in get_authentication_records(request, request.user)
    )


def typed_a_secret_in_this_session(request) -> bool:
    """False for a session opened by a link in an e-mail, however old."""
    return any(
        record.get("method") in _SECRET_METHODS
        for record in get_authentication_records(request, request.user)
    )


def second_factor_entered(request) -> bool:
    """A code of the authenticator app (or a recovery code) was typed in this session."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def recent_password_required(view):
    """Send the member to "confirm your password" first, unless they typed it recently.

    allauth lets an account without a password through its own check (it has nothing to
    ask): such an account (a neighbour registered by a référent) sets its first password
    through the reset link, which goes to its own inbox.
    """
    protected = reauthentication_required(view, app="allauth.account")

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            messages.info(
                request,
                _(
                    "Pour cela, choisissez d'abord un mot de passe. "
                    "Demandez un lien ci-dessous : il arrive dans votre boîte e-mail."
                ),
            )
            return redirect("account_reset_password")
        return protected(request, *args, **kwargs)

    return wrapper
