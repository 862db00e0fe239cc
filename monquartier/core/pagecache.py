"""Member pages answered without rendering while nothing they show has changed.

A page is cached for one viewer: the key holds who asks (the user, their CSRF secret, the
language, htmx or not), what they ask (the view and its path) and the *versions* of what
the page shows. A version is a random token in the cache per scope:

- `c:<id>`: what a community's members see of it (its alerts and those of its twinned
  communities, its gazette, its members, référents, history, twinnings, town-hall
  announcements);
- `u:<id>`: what is the user's own (their memberships and role, read marks, messages,
  account);
- `a:<id>`: an alert's acknowledgements (only its page shows them);
- `m:<commune>`: what its town hall's console and dashboard show (its communities, their
  members, requests and alerts, and the référents' reads);
- `people`: how everyone is named and shown (a profile, a name, a photo, a privacy
  choice): rare changes, so one scope for the whole site.

Whoever writes bumps the scopes of what they wrote, after the commit (`bump`): a
`post_save`/`post_delete` receiver per model in each app (apps' `pagecache.py`), and the
services that write with `update()` or `bulk_create()` call `bump` themselves. A page
rendered from data read after the bump carries the new versions, so an answer from the
cache is never older than the last commit that bumped its scopes. Each key also holds a
five-minute window (`PAGE_CACHE_SECONDS`): what changes with time alone (an announcement's
period) is at most that late, and so is anything a writer forgot to bump.

A hit costs a few cache reads instead of the page's queries and templates; a browser's
revalidation (`If-None-Match`) gets a 304. A request with `Cache-Control: no-cache` (a
reload) renders and refreshes the entry. Nothing is cached for staff, for a request with
flash messages waiting or with a query string other than page numbers, nor when the
view writes the session, adds a message, sets a cookie or says `skip(request)`.

What every viewer of a scope sees alike (a town hall's dashboard figures, the same for
all its agents) can be kept once for all of them (`shared`): under the same versions,
so a page rendered for a reload or for another viewer reuses it while nothing it shows
has changed.

A page that moves by the second (an alert's delivery, followed by its sender and
référents) says `live(request)`: it is kept a few seconds (`LIVE_SECONDS`), has no ETag,
and a visit in those seconds gets the same page instead of rendering it again.
"""

import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import lru_cache, partial, wraps
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import get_language

VERSION_PREFIX = "pv:"
BODY_PREFIX = "pb:"
SHARED_PREFIX = "ps:"
# A version lost (evicted, expired) is replaced by a new one: the pages render again.
VERSION_TIMEOUT = 7 * 24 * 3600
PEOPLE = "people"
# The only query parameters a cached page may have: page numbers and a message thread's
# cursor. Anything else renders (and an arbitrary parameter cannot fill the cache).
QUERY_KEYS = frozenset({"page", "before"})
# How long a live page is kept: as long as its htmx part waits between two refreshes.
LIVE_SECONDS = 5
# Headers a view sets that go back with a cached answer (middlewares add theirs again).
KEPT_HEADERS = ("Content-Type", "Content-Encoding", "Vary", "X-Offline-Cacheable")

Scopes = Callable[..., Sequence[str] | None]
T = TypeVar("T")


def community(community_id: int) -> str:
    return f"c:{community_id}"


def user(user_id: int) -> str:
    return f"u:{user_id}"


def alert(alert_id: int) -> str:
    return f"a:{alert_id}"


def commune(commune_id) -> str:
    return f"m:{commune_id}"


def connect(receivers: dict) -> None:
    """Each model's receiver, called after it is saved or deleted (an app's pagecache.py)."""
    for model, receiver in receivers.items():
        name = f"{model._meta.label}-{receiver.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"pagecache-{name}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"pagecache-{name}-deleted")


# The tokens the request being answered has set itself, by scope (serve, shows_own_writes).
_own_bumps: ContextVar[dict[str, str] | None] = ContextVar("page_cache_own_bumps", default=None)


def _token() -> str:
    return secrets.token_hex(6)


def _apply(scopes: Iterable[str]) -> None:
    tokens = {scope: _token() for scope in scopes}
    caches["pages"].set_many(
        {f"{VERSION_PREFIX}{scope}": token for scope, token in tokens.items()},
        timeout=VERSION_TIMEOUT,
    )
    own = _own_bumps.get()
    if own is not None:
        own.update(tokens)


def bump(*scopes: str) -> None:
    """The pages of these scopes change. Now, for the rest of this transaction (and the
    tests, which never commit), and again after the commit: a page rendered in between
    from data read before the commit may have been stored under the first token."""
    if not scopes:
        return
    _apply(scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_apply, scopes))


def versions(scopes: Sequence[str]) -> list[str] | None:
    """The current token of each scope (created when missing), or None without a cache."""
    keys = [f"{VERSION_PREFIX}{scope}" for scope in scopes]
    found = caches["pages"].get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            caches["pages"].add(key, _token(), timeout=VERSION_TIMEOUT)
        found.update(caches["pages"].get_many(missing))
    if len(found) < len(keys):
        return None
    return [found[key] for key in keys]


def remembered(user_id: int, prefix: str, compute: Callable[[], Any]) -> Any:
    """A value of the user's own, kept under their version (`u:`): from the cache while
    that version holds, else `compute()`, kept under the version read before computing
    (a change meanwhile bumps it, so what was kept is never used). A value kept by
    another release is computed again: its shape may have changed."""
    version_key = f"{VERSION_PREFIX}{user(user_id)}"
    value_key = f"{prefix}{user_id}"
    found = caches["pages"].get_many([version_key, value_key])
    version, kept = found.get(version_key), found.get(value_key)
    if version is not None and kept is not None and kept[:2] == (version, release()):
        return kept[2]
    if version is None:
        # No version yet (a new account, or one evicted or unused for a week): made now,
        # as the page's own versions would make it a moment later, so that the value is
        # kept from this first visit on.
        made = versions([user(user_id)])
        version = made[0] if made else None
    value = compute()
    if version is not None:
        caches["pages"].set(value_key, (version, release(), value), timeout=VERSION_TIMEOUT)
    return value


def shared(
    scopes: Sequence[str], name: str, parts: Sequence[object], compute: Callable[[], T]
) -> T:
    """A value that every viewer of these scopes sees alike (a town hall's dashboard
    figures, the same for all its agents), kept under the scopes' versions, the language
    and the release for PAGE_CACHE_SECONDS at most; else `compute()`, kept under the
    versions read before computing (a change meanwhile bumps them, so what was kept is
    never used). Unlike a cached page it also serves a reload: a reload renders the page,
    but what a version-keyed value says is as fresh as a render's. Nothing of one viewer
    (their name, their reads, their forms) may go into it; `parts` says what it depends
    on besides (the town hall, the filters)."""
    tokens = versions(scopes) if settings.PAGE_CACHE_ENABLED else None
    if tokens is None:
        return compute()
    text = "\x1f".join([release(), name, get_language() or "", *map(repr, parts), *tokens])
    key = SHARED_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40]
    kept = caches["pages"].get(key)
    if kept is not None:
        return kept
    value = compute()
    caches["pages"].set(key, value, timeout=settings.PAGE_CACHE_SECONDS)
    return value


@lru_cache(maxsize=1)
def release() -> str:
    """What identifies the code serving the pages: a new release (its templates, its
    code, its static files) never answers with an old release's page."""
    digest = hashlib.sha256(os.environ.get("RELEASE", "").encode())
    base = Path(settings.BASE_DIR)
    for folder in (base / "monquartier", base / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".txt", ".mo", ".json"):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def shows_own_writes(request: HttpRequest) -> None:
    """What this view has written so far (an alert's read mark) is read back by the page
    it renders from now on: the page is stored under the versions these writes set, not
    under those it was asked with, so the next visit is a hit instead of a render. Call
    it after the writes and before reading what the page shows. A write after the call,
    or anyone else's meanwhile, still makes the stored page unreachable."""
    own = _own_bumps.get()
    if own is not None:
        request._page_cache_own = dict(own)  # type: ignore[attr-defined]


def skip(request: HttpRequest) -> None:
    """This answer is for now only: not cached."""
    request._page_cache_skip = True  # type: ignore[attr-defined]


def live(request: HttpRequest, seconds: int = LIVE_SECONDS) -> None:
    """This answer moves with time, not only with what bumps its scopes (a sender
    watching their alert go out): kept `seconds` at most, and never revalidated (no
    ETag: an unchanged key would answer 304 to a page that has moved)."""
    request._page_cache_live = seconds  # type: ignore[attr-defined]


def _cacheable_request(request: HttpRequest) -> bool:
    if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
        return False
    viewer = request.user
    if not viewer.is_authenticated or viewer.is_staff:
        return False
    for key, values in request.GET.lists():
        if key not in QUERY_KEYS or len(values) != 1 or not values[0].isdigit():
            return False
    # The page must show them, and showing them uses them up.
    return not len(get_messages(request))


def csrf_secret(request: HttpRequest) -> str | None:
    """A website page's forms carry a token of the browser's CSRF secret: the page is
    cached for that secret. Without one, the answer sets a new one: not cached."""
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None
    return request.META.get("CSRF_COOKIE") or None


def _key(request: HttpRequest, name: str, secret: str, tokens: Sequence[str]) -> str:
    parts = (
        release(),
        name,
        request.get_full_path(),
        str(request.user.pk),
        get_language() or "",
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        secret,
        # Each viewer's windows start at their own second: no moment when every page of
        # the site renders again at once.
        str(int((time.time() + (request.user.pk or 0)) // settings.PAGE_CACHE_SECONDS)),
        *tokens,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _storable(request: HttpRequest, response: HttpResponse, secret: str) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not any(name != settings.CSRF_COOKIE_NAME for name in response.cookies)
        and not getattr(request, "_page_cache_skip", False)
        and not getattr(getattr(request, "session", None), "modified", False)
        # The secret the key holds is still the one the page's forms carry (a view that
        # logs in rotates it). Django sends the same cookie again: that changes nothing.
        and request.META.get("CSRF_COOKIE", secret) == secret
        and not len(get_messages(request))
    )


def _finish(response: HttpResponse, etag: str | None) -> HttpResponse:
    if etag is not None:
        response["ETag"] = etag
    # The browser may keep it but asks each time; no shared cache keeps it.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def serve(
    request: HttpRequest,
    name: str,
    scopes_of: Scopes,
    view: Callable[..., HttpResponse],
    args: tuple,
    kwargs: dict,
    *,
    secret_of: Callable[[HttpRequest], str | None] = csrf_secret,
) -> HttpResponse:
    """The answer of `view(request, *args, **kwargs)`, from the cache when it holds the
    same page for the same viewer and versions. `secret_of` names what the page is
    bound to besides the user (the website's CSRF secret, the API's device token)."""
    secret = secret_of(request) if _cacheable_request(request) else None
    scopes = scopes_of(request, *args, **kwargs) if secret is not None else None
    tokens = versions(scopes) if scopes is not None else None
    if secret is None or tokens is None:
        return view(request, *args, **kwargs)
    key = _key(request, name, secret, tokens)
    etag = f'"p{key[:32]}"'
    if "no-cache" not in request.headers.get("Cache-Control", ""):
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return _finish(HttpResponseNotModified(), etag)
        stored = caches["pages"].get(BODY_PREFIX + key)
        if stored is not None:
            content, headers, revalidated = stored
            hit = HttpResponse(content)
            for header, value in headers.items():
                hit[header] = value
            return _finish(hit, etag if revalidated else None)
    recording = _own_bumps.set({})
    try:
        response = view(request, *args, **kwargs)
    finally:
        _own_bumps.reset(recording)
    if not _storable(request, response, secret):
        return response
    own = getattr(request, "_page_cache_own", None)
    if own and scopes is not None:
        tokens = [own.get(scope, token) for scope, token in zip(scopes, tokens, strict=True)]
        key = _key(request, name, secret, tokens)
        etag = f'"p{key[:32]}"'
    headers = {header: response[header] for header in KEPT_HEADERS if header in response}
    seconds = getattr(request, "_page_cache_live", None)
    caches["pages"].set(
        BODY_PREFIX + key,
        (response.content, headers, seconds is None),
        timeout=seconds or settings.PAGE_CACHE_SECONDS,
    )
    return _finish(response, etag if seconds is None else None)


def cached_page(scopes_of: Scopes):
    """Decorate a member page's view. `scopes_of(request, *args, **kwargs)` says which
    scopes the page shows for this viewer (None: do not cache); it must be cheap."""

    def decorator(view):
        name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            return serve(request, name, scopes_of, view, args, kwargs)

        return wrapper

    return decorator
