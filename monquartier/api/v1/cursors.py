"""What every list of the API shares: its opaque cursor (URL-safe base64 of a JSON
position) and its refusal of parameters it does not know."""

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from pydantic import Field

from monquartier.api.errors import ApiError
from monquartier.api.v1.schemas import Input


class ListParams(Input):
    # Opaque: what the last page's next_cursor said (URL-safe base64).
    cursor: str | None = Field(default=None, max_length=300, pattern=r"^[A-Za-z0-9_-]+$")


def invalid() -> ApiError:
    return ApiError(
        422,
        "invalid",
        _("Ce curseur n'est pas valide : reprenez la liste au début."),
        {"cursor": [_("Valeur invalide.")]},
    )


def encode(*position: Any) -> str:
    raw = json.dumps(list(position), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> list:
    """The (two-item) position a cursor holds; each list checks its own types. The cursor
    is opaque to apps: its content may change; anything but what we gave is a 422."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid() from None
    if not isinstance(position, list) or len(position) != 2:
        raise invalid()
    return position


def moment(item: Any) -> str:
    """The cursor after `item` in a list by (created_at, pk), newest first."""
    return encode(item.created_at.isoformat(), item.pk)


def decode_moment(cursor: str) -> tuple[datetime, int]:
    created_at, pk = decode(cursor)
    try:
        when, pk = datetime.fromisoformat(created_at), int(pk)
    except (TypeError, ValueError):
        raise invalid() from None
    if when.tzinfo is None:
        raise invalid()
    return when, pk


def refuse_unknown(request: HttpRequest, known) -> None:
    unknown = set(request.GET) - set(known)
    if unknown:
        raise ApiError(
            422,
            "invalid",
            _("Paramètre inconnu."),
            {name or "__all__": [_("Paramètre inconnu.")] for name in unknown},
        )
