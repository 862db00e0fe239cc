"""The installable web app: manifest, service worker, and the push subscription endpoints.

The service worker is served from the site root (not /static/) so that its scope is the
whole site; its source stays an ordinary static file, js/sw.js.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from monquartier.accounts.reauthentication import typed_a_secret_in_this_session
from monquartier.accounts.requests import AuthenticatedRequest
from monquartier.outbox import devices
from monquartier.outbox.devices import InvalidSubscription
from monquartier.outbox.push import vapid_keys

logger = logging.getLogger(__name__)

SERVICE_WORKER = "js/sw.js"
OFFLINE_PAGE = "offline.html"
# The line of js/sw.js that service_worker() fills with what the worker keeps at install.
PRECACHE_PLACEHOLDER = b"var PRECACHE = {};"
SITE_PLACEHOLDER = b"var SITE = {};"
# Browsers ask for the worker script again after a day whatever its headers say.
SERVICE_WORKER_MAX_AGE = 24 * 3600
MAX_BODY_BYTES = 4096


@login_not_required
@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    icon = {"type": "image/png"}
    data = {
        "id": "/",
        "name": "MonQuartier",
        "short_name": "MonQuartier",
        "description": _("Les voisins d'un quartier se préviennent en quelques secondes."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f3ef",
        "theme_color": "#b4470b",
        "icons": [
            {**icon, "src": static("img/icon-192.png"), "sizes": "192x192", "purpose": "any"},
            {**icon, "src": static("img/icon-512.png"), "sizes": "512x512", "purpose": "any"},
            {
                **icon,
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


def _static_source(name: str) -> bytes:
    """A static file's content: from the collected files in production, from the source
    directories in development (a stale STATIC_ROOT must not win there)."""

    def collected() -> bytes | None:
        try:
            if staticfiles_storage.exists(name):
                with staticfiles_storage.open(name) as file:
                    return file.read()
        except (OSError, NotImplementedError, ValueError):
            pass
        return None

    def source() -> bytes | None:
        path = finders.find(name)
        return Path(path).read_bytes() if path else None

    order = (source, collected) if settings.DEBUG else (collected, source)
    for read in order:
        content = read()
        if content is not None:
            return content
    raise Http404


def worker_paths() -> dict[str, Any]:
    """The paths the worker needs, from the URLconf and the static files' storage: the
    script itself names none."""
    return {
        "icon": static("img/icon-192.png"),
        "alerts": reverse("alerts:list"),
        "staticPath": urlsplit(settings.STATIC_URL).path,
        "accountPaths": [
            reverse(name) for name in ("account_login", "account_logout", "account_signup")
        ],
    }


def offline_precache() -> dict[str, Any]:
    """What the worker keeps at install for pages never seen (the offline page and its
    files), and a version drawn from their content: a changed page, translation or
    static file makes a new worker, whose install keeps the new copy. Nobody bumps it by
    hand."""
    files = ["css/app.css", "js/offline.js"]
    urls = [reverse("pwa:offline"), *(static(name) for name in files)]
    digest = hashlib.sha256("\n".join(urls).encode())
    # The hashed names cover the files in production; their content covers development,
    # where the names are plain.
    for name in files:
        digest.update(hashlib.sha256(_static_source(name)).digest())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            digest.update(render_to_string(OFFLINE_PAGE).encode())
    return {"version": digest.hexdigest()[:12], "urls": urls}


@login_not_required
@require_GET
@cache_control(no_cache=True)
def offline(request: HttpRequest) -> HttpResponse:
    """The page the worker shows for a page never seen while the network is down."""
    return render(request, OFFLINE_PAGE)


@login_not_required
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script. Browsers look for a new one after every navigation; on 2G that
    check must not cost a download per page. push-subscribe.js registers the worker with
    updateViaCache "all", so the check is answered by the browser's cache for
    SERVICE_WORKER_MAX_AGE; after that, the ETag turns it into a bodiless 304 unless the
    worker changed. A new worker thus reaches every phone within a day."""
    precache = json.dumps(offline_precache(), separators=(",", ":")).encode()
    paths = json.dumps(worker_paths(), separators=(",", ":")).encode()
    content = (
        _static_source(SERVICE_WORKER)
        .replace(PRECACHE_PLACEHOLDER, b"var PRECACHE = " + precache + b";")
        .replace(SITE_PLACEHOLDER, b"var SITE = " + paths + b";")
    )
    response = HttpResponse(content, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = f"max-age={SERVICE_WORKER_MAX_AGE}"
    response["ETag"] = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    # Given a response, get_conditional_response returns one (the stubs say None is possible).
    return get_conditional_response(request, etag=response["ETag"], response=response)  # type: ignore[return-value]


@require_GET
@never_cache
def push_key(request: HttpRequest) -> JsonResponse:
    _private, public = vapid_keys()
    return JsonResponse({"publicKey": public})


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidSubscription(_("La demande est trop longue."))
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidSubscription(_("La demande n'est pas du JSON valide.")) from error
    if not isinstance(data, dict):
        raise InvalidSubscription(_("La demande n'est pas du JSON valide."))
    return data


@require_POST
def subscribe(request: AuthenticatedRequest) -> JsonResponse:
    """Store this browser's push subscription (PushSubscription.toJSON()) for the member
    (outbox/devices.py, the API's service too)."""
    try:
        data = _json_body(request)
        endpoint, _p256dh, _auth = devices.clean_subscription(data)
    except InvalidSubscription as error:
        return JsonResponse({"error": str(error)}, status=400)
    if not (
        typed_a_secret_in_this_session(request)
        or devices.is_own_subscription(request.user, endpoint)
    ):
        # A browser opened by a link in a forwarded e-mail would receive the member's
        # alerts from now on: a new device needs the password (reauthentication.py).
        return JsonResponse(
            {
                "error": _(
                    "Pour recevoir les notifications sur cet appareil, connectez-vous "
                    "d'abord avec votre mot de passe."
                )
            },
            status=403,
        )
    try:
        subscription, created = devices.subscribe(
            request.user, data, user_agent=request.headers.get("User-Agent", "")
        )
    except InvalidSubscription as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"id": subscription.pk, "created": created}, status=201 if created else 200)


@require_POST
def unsubscribe(request: AuthenticatedRequest) -> JsonResponse:
    """Forget this browser's subscription, if it is the member's; the same answer when
    there was nothing to forget, so a repeated click or a lost reply does no harm."""
    try:
        deleted = devices.unsubscribe(request.user, _json_body(request).get("endpoint"))
    except InvalidSubscription as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"deleted": deleted})
