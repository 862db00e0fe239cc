"""The unsubscribe link's token: the member's id, signed for this one purpose.

It carries no power but unsubscribing the member it names (the view does nothing else
with it), so it never expires: a letter read a year later must still unsubscribe in one
click. Another salt's signature (a log-in link's) is no token here.
"""

from django.core import signing

_SIGNER = signing.Signer(salt="monquartier.newsletters.unsubscribe")
MAX_LENGTH = 100


def unsubscribe_token(user_id: int) -> str:
    return _SIGNER.sign(str(user_id))


def user_id_from_token(token: str) -> int | None:
    """The id the token was made for, or None for anything we did not sign."""
    if len(token) > MAX_LENGTH:
        return None
    try:
        value = _SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None
