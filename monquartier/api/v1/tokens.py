"""Signing an app in: e-mail and password (and the second factor of staff and town-hall
agents) give a token for the named device.

The same checks as the website's log-in, through allauth: its rate limits on failed
attempts (ACCOUNT_RATE_LIMITS "login_failed", per address and per e-mail, shared with the
log-in page), inactive and suspended accounts refused by the backends, a confirmed e-mail
(ACCOUNT_EMAIL_VERIFICATION is mandatory), and the second factor's own limit."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status

from monquartier.accounts import services as account_services
from monquartier.accounts.models import DeviceToken
from monquartier.api.auth import current_token, signed_in
from monquartier.api.errors import ApiError
from monquartier.api.v1.schemas import DeviceOut, Error, TokenIn, TokenOut
from monquartier.outbox.models import FCMRegistration

router = Router(tags=["auth"])


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Sign in a device",
)
def sign_in(request: HttpRequest, payload: TokenIn):
    """Trade the account's e-mail and password for a token for this device. Staff and
    town-hall agents add `code`, their authenticator app's code; without it the answer is
    401 `second_factor_required`. The token is shown this once: keep it in the device's
    secure storage, and send it as `Authorization: Bearer <token>`."""
    email = payload.email.strip().lower()
    # Raises ValidationError "too_many_login_attempts" past the limits: 429.
    user = get_adapter(request).authenticate(request, email=email, password=payload.password)
    if user is None:
        raise ApiError(
            401, "invalid_credentials", _("L'adresse e-mail ou le mot de passe est incorrect.")
        )
    translation.activate(user.language)
    if not user.is_active:  # allauth's backend lets it through for its "inactive" page
        raise ApiError(
            403, "account_inactive", _("Ce compte est désactivé. Écrivez à l'équipe MonQuartier.")
        )
    if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        raise ApiError(
            403,
            "email_unconfirmed",
            _(
                "Confirmez d'abord votre adresse e-mail avec le lien que nous vous avons envoyé, "
                "puis reconnectez-vous."
            ),
        )
    if user.needs_second_factor:
        _check_second_factor(request, user, payload.code)
    token, secret = account_services.issue_device_token(user, payload.device_name)
    return Status(201, TokenOut(token=secret, device=device_out(token)))


def _check_second_factor(request: HttpRequest, user, code: str | None) -> None:
    if not is_mfa_enabled(user, types=[Authenticator.Type.TOTP]):
        raise ApiError(
            403,
            "second_factor_not_set_up",
            _(
                "Votre compte a besoin d'une double authentification : installez-la d'abord "
                "sur le site, dans Paramètres."
            ),
        )
    if not code:
        raise ApiError(
            401,
            "second_factor_required",
            _("Tapez le code de votre application d'authentification."),
            {"code": [_("Ce champ est obligatoire.")]},
        )
    form = AuthenticateForm(data={"code": code}, user=user)
    if not form.is_valid():
        error = ValidationError(form.errors.as_data()["code"])
        if any(item.code == "too_many_login_attempts" for item in error.error_list):
            raise ValidationError({"code": error})  # 429, with allauth's message
        raise ApiError(
            401,
            "second_factor_invalid",
            _("Ce code est incorrect ou a expiré."),
            {"code": [_("Ce code est incorrect ou a expiré.")]},
        )
    form.authenticator.record_usage()


def device_out(token: DeviceToken, *, has_push: bool = False) -> DeviceOut:
    return DeviceOut(
        id=token.pk,
        name=token.name,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        has_push=has_push,
    )


@router.get("/auth/tokens", response={200: list[DeviceOut], 401: Error}, summary="My devices")
def devices(request: HttpRequest):
    """The devices signed in to the account, newest first (as in Paramètres), each with
    whether its app receives pushes (`has_push`: it registered a Firebase Cloud Messaging
    token with PUT /push/app). One query, whatever the number."""
    tokens = DeviceToken.objects.filter(user=signed_in(request)).annotate(
        has_push=Exists(FCMRegistration.objects.filter(device=OuterRef("pk")))
    )
    return [device_out(token, has_push=token.has_push) for token in tokens]


@router.delete(
    "/auth/tokens/{id:token_id}", response={204: None, 401: Error, 404: Error}, summary="Sign out"
)
def revoke(request: HttpRequest, token_id: int):
    """Sign one of the account's devices out: its token stops working."""
    if not account_services.revoke_device_token(signed_in(request), token_id):
        raise ApiError(404, "not_found", _("Introuvable, ou vous n'y avez pas accès."))
    return Status(204, None)


@router.delete("/auth/token", response={204: None, 401: Error}, summary="Sign this device out")
def sign_out(request: HttpRequest):
    token = current_token(request)
    account_services.revoke_device_token(token.user, token.pk)
    return Status(204, None)
