"""One shape for every error the API answers, in the member's language:

    {"code": "not_found", "message": "…", "fields": {"text": ["…"]}}

`code` is stable (apps branch on it), `message` is for people, `fields` names the fields
of the request that were refused (empty when the error is about the whole request).
The handlers turn what the services raise into it: ValidationError → 422 (429 for a
flood limit), PermissionDenied → 403, Http404 → 404; anything unforeseen is logged and
answered with the same shape, never Django's HTML page.

Every 429 says in `Retry-After` how many seconds to wait: for a flood limit, until one
more is allowed (core/flood.py); for allauth's limits, the longest window of the action
(its history is not ours to read).
"""

import logging
import math
from typing import Any

from allauth.core.exceptions import RateLimited
from allauth.core.internal.ratelimit import get_rates
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success, with its status and stable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        *,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}
        self.retry_after = retry_after


# When a limit cannot say when it frees (a limit of ours without its rows at hand).
DEFAULT_RETRY_AFTER = 60


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    *,
    retry_after: float | None = None,
) -> HttpResponse:
    response = JsonResponse(
        {"code": code, "message": message, "fields": fields or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},  # « é » as itself: fewer bytes, readable
    )
    if status == 429:
        response["Retry-After"] = str(max(1, math.ceil(retry_after or DEFAULT_RETRY_AFTER)))
    return response


def rate_window(action: str) -> float:
    """The longest window of one of allauth's limits (ACCOUNT_RATE_LIMITS), in seconds."""
    return max(
        (rate.duration for rate in get_rates(app="allauth.account", action=action)),
        default=DEFAULT_RETRY_AFTER,
    )


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 1},
}


def with_retry_after(schema):
    """The OpenAPI schema with `Retry-After` documented on every 429."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get(429)
            if answer is None:
                answer = operation.get("responses", {}).get("429")
            if answer is not None:
                answer.setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
    return schema


def too_many(message: str, *, retry_after: float, fields=None) -> "ApiError":
    return ApiError(429, "too_many_requests", message, fields, retry_after=retry_after)


# Pydantic's messages are English and technical: the member reads one of these instead.
def _schema_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("Ce champ est obligatoire.")
    if kind == "string_too_long":
        return _("Trop long : %(max)s caractères au plus.") % {"max": context.get("max_length")}
    if kind == "string_too_short":
        return _("Trop court : %(min)s caractères au moins.") % {"min": context.get("min_length")}
    if kind in {"literal_error", "enum"}:
        return _("Choisissez une des valeurs proposées.")
    if kind.startswith(("int_", "float_", "decimal_")) or kind in {
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }:
        return _("Indiquez un nombre valide.")
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return _("Le corps de la requête n'est pas un objet JSON valide.")
    return _("Valeur invalide.")


def _schema_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        # loc is ("body", "payload", "text") or ("query", "cursor"): the field is the last
        # name; a body that is not an object at all is the request's error.
        loc = [part for part in error.get("loc", ()) if isinstance(part, str)]
        name = (
            loc[-1]
            if len(loc) > 2 or loc[:1] in (["query"], ["path"], ["form"], ["file"])
            else "__all__"
        )
        fields.setdefault(name, []).append(_schema_message(error))
    return fields


def _has_code(error: DjangoValidationError, code: str) -> bool:
    return any(item.code == code for item in _leaves(error))


def _leaves(error: DjangoValidationError) -> list[DjangoValidationError]:
    if hasattr(error, "error_dict"):
        return [leaf for errors in error.error_dict.values() for leaf in errors]
    return list(getattr(error, "error_list", [error]))


_TOO_MANY = {"flood", "too_many_login_attempts"}


def _wait(error: DjangoValidationError) -> float:
    waits = [(leaf.params or {}).get("retry_after") for leaf in _leaves(error)]
    known = [wait for wait in waits if wait is not None]
    if known:
        return max(known)
    if _has_code(error, "too_many_login_attempts"):
        return rate_window("login_failed")
    return DEFAULT_RETRY_AFTER


def validation_error_response(error: DjangoValidationError) -> HttpResponse:
    """A service's refusal: its messages by field (NON_FIELD_ERRORS as "__all__")."""
    if hasattr(error, "error_dict"):
        fields = {
            name: list(DjangoValidationError(items).messages)
            for name, items in error.error_dict.items()
        }
    else:
        fields = {"__all__": list(error.messages)}
    message = " ".join(message for messages in fields.values() for message in messages)
    if any(_has_code(error, code) for code in _TOO_MANY):
        return error_response(429, "too_many_requests", message, fields, retry_after=_wait(error))
    return error_response(422, "invalid", message, fields)


def install_handlers(api: NinjaAPI) -> None:
    def api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            exc.status, exc.code, exc.message, exc.fields, retry_after=exc.retry_after
        )

    def schema_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        fields = _schema_fields(list(exc.errors))
        return error_response(422, "invalid", _("La requête contient des erreurs."), fields)

    def service_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        return validation_error_response(exc)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(
            401,
            "unauthenticated",
            _("Connectez-vous : cette requête demande le jeton de votre appareil."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) or _("Vous n'avez pas accès à cette action.")
        return error_response(403, "forbidden", message)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(404, "not_found", _("Introuvable, ou vous n'y avez pas accès."))

    def throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            429,
            "too_many_requests",
            _("Trop de requêtes : réessayez dans un moment."),
            retry_after=getattr(exc, "wait", None),
        )

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:  # ninja could not parse the body
            return error_response(
                422, "invalid", _("Le corps de la requête n'est pas un objet JSON valide.")
            )
        return error_response(exc.status_code, "error", str(exc))

    def unforeseen(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(
            500, "server_error", _("Une erreur est survenue de notre côté : réessayez plus tard.")
        )

    def too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(413, "too_large", _("La requête est trop grande."))

    api.add_exception_handler(RequestDataTooBig, too_big)
    api.add_exception_handler(TooManyFieldsSent, too_big)
    api.add_exception_handler(TooManyFilesSent, too_big)
    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(SchemaValidationError, schema_invalid)
    api.add_exception_handler(DjangoValidationError, service_invalid)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(RateLimited, throttled)  # allauth's, raised in its flows
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Exception, unforeseen)
