""" "Télécharger mes données": everything the platform holds about a member, in a zip.

Each app tells what it holds about a person: from its AppConfig.ready() it registers a
part, a function of the member giving JSON-able data (their own rows, never another
person's personal data: a name of someone else is the one the privacy module shows the
member), and optionally one giving their files (storage names). Accounts, below every app
that holds personal data, knows only this registry.

The zip holds `mes-donnees.json` ({"part": data, …}) and the files under `fichiers/`. It
is written part by part into a temporary file that stays in memory up to a few megabytes
and then goes to disk: a member with many photos costs disk, not memory.
"""

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

# Deliveries and notifications older than this are left out (and soon deleted:
# docs/retention.md).
RECENT_DAYS = 90
_IN_MEMORY = 8 * 1024 * 1024
JSON_NAME = "mes-donnees.json"
FILES_FOLDER = "fichiers"


@dataclass(frozen=True)
class Part:
    name: str
    data: Callable[[Any], Any]
    # The storage names of the member's files in this part.
    files: Callable[[Any], Iterable[str]] | None = None


_PARTS: dict[str, Part] = {}


def register(name: str, data: Callable[[Any], Any], files=None) -> None:
    _PARTS[name] = Part(name, data, files)


def registered() -> list[Part]:
    return list(_PARTS.values())


def json_chunks(user) -> Iterator[bytes]:
    """`mes-donnees.json`, part by part (one part in memory at a time): the zip's, and
    the apps' download of the same data (api/v1/me.py)."""
    yield b'{\n"exported_at": '
    yield json.dumps(timezone.now(), cls=DjangoJSONEncoder).encode()
    for part in registered():
        yield f",\n{json.dumps(part.name)}: ".encode()
        yield json.dumps(
            part.data(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=1
        ).encode()
    yield b"\n}\n"


def _write_json(archive: zipfile.ZipFile, user) -> None:
    with archive.open(JSON_NAME, "w") as raw:
        for chunk in json_chunks(user):
            raw.write(chunk)


def _write_files(archive: zipfile.ZipFile, user) -> None:
    for part in registered():
        if part.files is None:
            continue
        for name in part.files(user):
            if not name or not default_storage.exists(name):
                continue
            with (
                default_storage.open(name, "rb") as source,
                archive.open(
                    f"{FILES_FOLDER}/{part.name}/{name.rsplit('/', 1)[-1]}", "w"
                ) as target,
            ):
                shutil.copyfileobj(source, target, 64 * 1024)


def build_export(user) -> IO[bytes]:
    """The member's zip, rewound, in a temporary file the caller closes (or hands to a
    FileResponse, which does)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 # returned
    with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_json(archive, user)
        _write_files(archive, user)
    spooled.seek(0)
    return spooled


def recent_since() -> datetime:
    return timezone.now() - timedelta(days=RECENT_DAYS)
