"""What every URL of the API does around ninja's views: the transport rules for apps on
2G networks.

- No session: the request's user is anonymous until a device token says otherwise
  (auth.py), and the site's log-in redirect does not apply (a 401 JSON instead).
- Bounded bodies: a body larger than API_MAX_BODY is refused with 413 before it is read.
- ETag on every successful GET and a 304 for `If-None-Match`, so a repeated poll costs a
  few bytes (Django's ConditionalGetMiddleware, on the API only).
- Gzip (Django's GZipMiddleware, on the API only: its answers carry no CSRF token, so
  compressing them exposes nothing to BREACH; the site's pages stay uncompressed here and
  are compressed by the proxy as docs/deployment.md says).
- `Vary: Authorization` and `Cache-Control: private, no-cache`: a shared cache never
  hands one member's answer to another, and the app always revalidates.
"""

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import conditional_page

from monquartier.api.errors import error_response

# JSON requests are small (an alert is 500 characters); uploads have their own limit, on
# the URLs that take files only (a post's photos and PDFs: 6 files of 10 MB at most).
API_MAX_BODY = 64 * 1024
UPLOAD_PATHS = re.compile(r"^/api/v1/gazette(/[0-9]+/attachments)?$")


def max_body(request: HttpRequest) -> int:
    if (
        request.method == "POST"
        and request.content_type == "multipart/form-data"
        and UPLOAD_PATHS.match(request.path)
    ):
        return settings.GAZETTE_MAX_ATTACHMENTS * settings.PHOTO_MAX_UPLOAD_BYTES + API_MAX_BODY
    return API_MAX_BODY


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    conditional = gzip_page(conditional_page(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.user = AnonymousUser()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_body(request)
        if length > limit:
            response = error_response(
                413,
                "too_large",
                _("La requête est trop grande : %(max)s Ko au plus.") % {"max": limit // 1024},
            )
        else:
            response = conditional(request, *args, **kwargs)
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
