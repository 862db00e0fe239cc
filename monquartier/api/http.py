"""What every URL of the API does around ninja's views: the transport rules for apps on
2G networks.

- No session: the request's user is anonymous until a device token says otherwise
  (auth.py), and the site's log-in redirect does not apply (a 401 JSON instead).
- Bounded bodies: a body larger than API_MAX_BODY is refused with 413 before it is read.
- ETag on every successful GET and a 304 for `If-None-Match`, so a repeated poll costs a
  few bytes (Django's ConditionalGetMiddleware, on the API only).
- Gzip (Django's GZipMiddleware, on the API only: its answers carry no CSRF token, so
  compressing them exposes nothing to BREACH; the site's pages stay uncompressed here and
  are compressed by the proxy as docs/deployment.md says), for text and JSON only: a
  gazette photo or PDF is compressed already, and gzip would cost time for nothing.
- Every 429 has a `Retry-After` in seconds (errors.py says how long; a default here).
- No flash messages: the website's code adds some for the next page (allauth's "code
  sent"); the API has no next page and sets no cookie, so they are kept on the request
  (`notices`) for an endpoint that wants to answer them.
- `Vary: Authorization` and `Cache-Control: private, no-cache`: a shared cache never
  hands one member's answer to another, and the app always revalidates.
"""

import re
from collections.abc import Callable
from functools import partial, wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.urls import URLPattern, URLResolver
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import conditional_page

from monquartier.api.auth import token_of
from monquartier.api.errors import DEFAULT_RETRY_AFTER, ApiError, error_response
from monquartier.communities import pagecache as member_scopes
from monquartier.core import pagecache

# JSON requests are small (an alert is 500 characters); uploads have their own limit, on
# the URLs that take files only (a post's photos and PDFs: 6 files of 10 MB at most).
API_MAX_BODY = 64 * 1024
UPLOAD_PATHS = re.compile(r"^/api/v1/gazette(/[0-9]+/attachments)?$")
# The GETs answered from the member pages' cache (core/pagecache.py), with the scopes of
# what they show: the same as the website's list and alert page.
CACHED_ROUTES: dict[str, pagecache.Scopes] = {
    "api/v1/alerts": member_scopes.member_page,
    "api/v1/alerts/<id:alert_id>": member_scopes.alert_page,
}
# The profile photo: one photo of 10 MB at most.
PHOTO_PATH = "/api/v1/me/photo"


def max_body(request: HttpRequest) -> int:
    if request.method == "POST" and request.content_type == "multipart/form-data":
        if UPLOAD_PATHS.match(request.path):
            return settings.GAZETTE_MAX_ATTACHMENTS * settings.PHOTO_MAX_UPLOAD_BYTES + API_MAX_BODY
        if request.path == PHOTO_PATH:
            return settings.PHOTO_MAX_UPLOAD_BYTES + API_MAX_BODY
    return API_MAX_BODY


_gzip = GZipMiddleware(lambda request: HttpResponse())


def refuse_repeated_fields(request: HttpRequest, *, lists: tuple[str, ...] = ()) -> None:
    """A multipart form with a field given twice (two titles, two photos) is refused: the
    schema says one, and taking either silently is guessing. `lists` may repeat."""
    repeated = sorted(
        name
        for data in (request.POST, request.FILES)
        for name, values in data.lists()
        if len(values) > 1 and name not in lists
    )
    if repeated:
        message = _("Ce champ est donné plusieurs fois : envoyez-le une fois.")
        raise ApiError(422, "invalid", message, {name: [message] for name in repeated})


def compressible(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type.startswith("text/") or content_type.endswith(("json", "xml", "javascript"))


def compress(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if not compressible(response):
        return response
    return _gzip.process_response(request, response)


class Notices:
    """Stands in for Django's message storage on the API's requests: keeps what the
    website's code says to the member, writes no cookie (MessageMiddleware calls update)."""

    level = 0  # every level kept (messages.get_level reads it)
    used = False

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, level, message, extra_tags: str = "") -> None:
        self.messages.append(str(message))

    def update(self, response) -> None:
        return None

    def __iter__(self):
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)


def notices(request: HttpRequest) -> list[str]:
    storage = getattr(request, "_messages", None)
    return list(storage.messages) if isinstance(storage, Notices) else []


def _device_token_secret(request: HttpRequest) -> str | None:
    """What a cached answer is bound to: the device token, and whether the app takes gzip
    (the answer is stored compressed, as it leaves)."""
    token = token_of(request)
    if token is None:
        return None
    gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    return f"token:{token.pk}:{'gzip' if gzip else 'identity'}"


def _compressed(view: Callable[..., HttpResponseBase], request, *args, **kwargs) -> HttpResponse:
    # Compressed once, before the cache keeps it: a hit is not compressed again (gzip
    # leaves an answer that has a Content-Encoding as it is).
    return compress(request, view(request, *args, **kwargs))  # type: ignore[return-value]


def _cached(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The member pages' cache (core/pagecache.py) for the GETs of CACHED_ROUTES: a poll
    of an unchanged list costs a few cache reads, not its queries and serialisation. The
    answer is bound to the device token, as the website's is to the CSRF secret."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        route = request.resolver_match.route if request.resolver_match is not None else ""
        scopes_of = CACHED_ROUTES.get(route)
        if scopes_of is None or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # The token's user becomes the request's (auth.py), as ninja's auth would do.
        token_of(request)
        return pagecache.serve(
            request,
            f"api:{route}",
            scopes_of,
            partial(_compressed, view),
            args,
            kwargs,
            secret_of=_device_token_secret,
        )

    return wrapper


def api_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    conditional = conditional_page(_cached(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        request.user = AnonymousUser()
        request._messages = Notices()  # type: ignore[attr-defined]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_body(request)
        response: HttpResponseBase
        if length > limit:
            response = error_response(
                413,
                "too_large",
                _("La requête est trop grande : %(max)s Ko au plus.") % {"max": limit // 1024},
            )
        else:
            response = compress(request, conditional(request, *args, **kwargs))
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
        patch_vary_headers(response, ["Authorization"])
        patch_cache_control(response, private=True, no_cache=True)
        return response

    wrapper.login_required = False  # type: ignore[attr-defined]  # LoginRequiredMiddleware
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # no session, no CSRF
    wrapper.ignores_session = True  # type: ignore[attr-defined]  # SecondFactorMiddleware
    return wrapper


def api_patterns(patterns: list) -> list:
    """ninja's URL patterns, each view wrapped in api_view."""
    wrapped: list = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrapped.append(
                URLResolver(
                    pattern.pattern,
                    api_patterns(pattern.url_patterns),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        elif isinstance(pattern, URLPattern):
            wrapped.append(
                URLPattern(
                    pattern.pattern, api_view(pattern.callback), pattern.default_args, pattern.name
                )
            )
    return wrapped


@api_view
def unknown_path(request: HttpRequest, path: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("Cette adresse n'existe pas dans l'API."))
