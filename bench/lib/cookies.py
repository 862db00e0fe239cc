"""The Cookie header a benchmark's client sends for a session written into the store."""

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string


def browser_cookies(session_key: str) -> str:
    """The session's cookie, and the CSRF cookie a browser holds after its first page (the
    page cache keys a page's forms to it: core/pagecache.py)."""
    csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
