"""Serving uploaded files only to those allowed to see them.

Uploads are never exposed under a public URL: a view checks the viewer, then either
streams the file (development, tests) or hands it to the reverse proxy with an
X-Accel-Redirect header (production, PROTECTED_MEDIA_ACCEL_PREFIX set), so the proxy
sends the bytes and the Python process is free at once.
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control


def serve_protected_file(name: str | None, *, max_age: int = 3600) -> HttpResponseBase:
    if not name or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = settings.PROTECTED_MEDIA_ACCEL_PREFIX
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(name)}"
    else:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    # Private: a shared cache must never keep a member's photo; the browser may.
    patch_cache_control(response, private=True, max_age=max_age)
    response["X-Content-Type-Options"] = "nosniff"
    return response
