"""`Idempotency-Key` on every POST that creates something (models.IdempotentRequest).

    @router.post("/alerts", ...)
    @decorate_view(idempotent)
    def send(request, ...): ...

A repeat with the same key and the same request gets the first answer again (status and
body, with `Idempotent-Replayed: true`) and creates nothing; the same key with another
request is refused (409). The key's row is inserted first, in the transaction that
creates: a concurrent repeat blocks on the unique index until the first commits, then
finds its answer (PostgreSQL; SQLite writes one at a time anyway). A refusal (4xx) is
rolled back with the key, so a corrected request may use the key again.

The services these endpoints call must accept running inside this transaction (plain
`transaction.atomic`, not `durable=True`).
"""

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from monquartier.api.auth import token_of
from monquartier.api.errors import error_response
from monquartier.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
# UUIDs, ULIDs, random strings: printable, short.
_KEY = re.compile(r"^[A-Za-z0-9_\-.:]{8,64}$")


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        # Uploads are not read into memory as one body: their fields and files' contents.
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(json.dumps([name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get(HEADER)
        token = token_of(request)
        if key is None or token is None:
            return run(request, *args, **kwargs)  # no key: as usual; no token: the 401
        if not _KEY.match(key):
            return error_response(
                422,
                "invalid_idempotency_key",
                _("L'en-tête Idempotency-Key doit faire de 8 à 64 lettres, chiffres ou « -_.: »."),
                {HEADER: [_("Valeur invalide.")]},
            )
        print_ = fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user_id=token.user_id, key=key, fingerprint=print_
                    )
            except IntegrityError:
                record = IdempotentRequest.objects.get(user_id=token.user_id, key=key)
                if record.fingerprint != print_:
                    return error_response(
                        409,
                        "idempotency_key_reused",
                        _(
                            "Cette clé d'idempotence a déjà servi pour une autre requête : "
                            "prenez-en une nouvelle."
                        ),
                    )
                if record.status is None:  # not committed yet: only a broken database
                    return error_response(
                        409, "idempotency_key_in_use", _("Cette requête est en cours : réessayez.")
                    )
                return _replay(record)
            response = run(request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = response.content
                record.save(update_fields=["status", "content_type", "body"])
            else:
                transaction.set_rollback(True)
        return response

    return wrapper
