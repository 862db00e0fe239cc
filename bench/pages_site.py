"""What the page benchmarks add to the site they serve, and nothing in production uses:
a middleware that reports the server's own time and SQL queries in a Server-Timing header,
and a bare view (`HttpResponse("ok")`) to compare the member pages with. The URLconf is
the project's, with the bare view in front. bench/pages_settings.py puts them in place.
"""

import time

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from monquartier.urls import urlpatterns as project_urlpatterns

BARE_URL = "/bench/nu/"


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


class ServerTimingMiddleware:
    """Outermost middleware: Django's time on the request (every other middleware, the
    view, the template), the time in SQL and the number of queries, as
    `Server-Timing: app;dur=<ms>, db;dur=<ms>;desc="<queries>"`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        app_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'app;dur={app_ms:.3f}, db;dur={counter.seconds * 1000:.3f};desc="{counter.count}"'
        )
        return response


@login_not_required
def bare(request):
    return HttpResponse("ok")


urlpatterns = [path(BARE_URL.strip("/") + "/", bare, name="bench_bare"), *project_urlpatterns]
