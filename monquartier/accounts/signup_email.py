"""The e-mail address typed at sign-up, while it waits for its confirmation link.

Phone-first members verify their mobile and go on (home, community) before they open
the e-mail; the address becomes the account's (`User.email`) only once confirmed
(signals.py), so nothing but the confirmation is ever sent to a mistyped address. A
sign-up with an address that already has an account creates the account all the same,
without the address, and the owner of the address gets allauth's "you already have an
account" e-mail instead of a link: the screens are the same either way, and so are
"send it again" and "correct the address" (no account enumeration).
"""

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.internal.flows.manage_email import email_already_exists
from allauth.account.models import EmailAddress
from django.db import transaction

SESSION_KEY = "monquartier.signup_email"


def waiting_address(request) -> str | None:
    """The address this member typed and has not confirmed yet, if any."""
    user = request.user
    if user.email:
        return None
    address = EmailAddress.objects.filter(user=user, verified=False).first()
    return address.email if address else request.session.get(SESSION_KEY)


def remember_address(request, email: str) -> None:
    request.session[SESSION_KEY] = email


@transaction.atomic
def send_link(request, user, email: str) -> bool:
    """Send the confirmation link to `email` (or, when it already has an account, tell
    its owner). False when one went to it a few minutes ago (allauth's limit, the same
    for both)."""
    email, taken = email_already_exists(email, user=user)
    # One address waits at a time: a correction replaces the mistyped one.
    EmailAddress.objects.filter(user=user, verified=False).exclude(email=email).delete()
    remember_address(request, email)
    if taken:
        address = EmailAddress(user=None, email=email)
    else:
        address, _created = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": False}
        )
    return send_verification_email_to_address(request, address, signup=True)
