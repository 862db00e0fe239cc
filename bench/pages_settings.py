"""Settings of the gunicorn that bench/pages.py and bench/load.py start: the project's own
settings (read from the environment, DJANGO_ENV=production included), with the
Server-Timing middleware outermost and the URLconf of bench/pages_site.py."""

from monquartier import settings as _project

globals().update({name: value for name, value in vars(_project).items() if name.isupper()})

MIDDLEWARE = ["bench.pages_site.ServerTimingMiddleware", *_project.MIDDLEWARE]
ROOT_URLCONF = "bench.pages_site"
