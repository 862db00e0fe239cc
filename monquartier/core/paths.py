"""Many links to one page that differ only by their last argument (an alert's e-mails,
the cards of a directory page): reverse() once, then add each value."""

from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured
from django.urls import get_script_prefix, reverse

_PLACEHOLDER = "0"


def path_prefix(name: str, *args) -> str:
    """The path of `name` with `args` and a last argument still to add: the path for a
    value v is path_prefix(name, *args) + f"{v}/". For patterns whose last part is
    `<…:last>/`."""
    return _prefix(get_script_prefix(), name, args)


@lru_cache(maxsize=256)
def _prefix(script_prefix: str, name: str, args: tuple) -> str:
    path = reverse(name, args=[*args, _PLACEHOLDER])
    suffix = f"/{_PLACEHOLDER}/"
    if not path.endswith(suffix):
        raise ImproperlyConfigured(f"{name}: {path} does not end with its last argument")
    return path[: -len(suffix) + 1]
