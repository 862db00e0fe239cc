"""The member's phones, as Paramètres → Téléphones: the mobile (verified by an SMS code
before alerts use it), the landline, and whether the directory shows them.

An account has one mobile, the one alerts and codes go to: a new number is "added" by
sending it a code and becomes the account's mobile once the code is typed (until then
the old one keeps receiving alerts). Every change needs the current password in the
request (the website asks for it again: accounts/reauthentication.py); the codes, their
limits and their SMS are the website's (accounts/device_phones.py).
"""

from datetime import UTC, datetime

from allauth.account.forms import ChangePhoneForm, VerifyPhoneForm
from allauth.core.exceptions import RateLimited
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.decorators import decorate_view

from monquartier.accounts import services as account_services
from monquartier.accounts.adapter import (
    codes_capped_message,
    seconds_until_code_allowed,
    verification_codes_capped,
)
from monquartier.accounts.device_phones import DevicePhoneVerification
from monquartier.accounts.forms import PhonesForm
from monquartier.accounts.models import DeviceToken
from monquartier.accounts.phones import format_for_display
from monquartier.api.auth import current_token, require_password
from monquartier.api.errors import ApiError, rate_window, too_many
from monquartier.api.http import notices
from monquartier.api.idempotency import idempotent
from monquartier.api.v1.me import consume_limit
from monquartier.api.v1.schemas import (
    CodeIn,
    Error,
    MobileIn,
    MobileOut,
    PendingMobileOut,
    PhoneNumberOut,
    PhonesOut,
    PhonesPatch,
)

router = Router(tags=["me"])


def phones_out(request: HttpRequest, token: DeviceToken) -> PhonesOut:
    user = token.user
    pending = DevicePhoneVerification.resume(token)
    return PhonesOut(
        mobile=MobileOut(
            number=str(user.mobile),
            display=format_for_display(user.mobile),
            verified=user.mobile_verified,
        )
        if user.mobile
        else None,
        landline=PhoneNumberOut(
            number=str(user.landline), display=format_for_display(user.landline)
        )
        if user.landline
        else None,
        hide_mobile=user.hide_mobile,
        hide_landline=user.hide_landline,
        pending=PendingMobileOut(
            number=pending.phone,
            display=format_for_display(pending.phone),
            expires_at=datetime.fromtimestamp(pending.expires_at, tz=UTC),
            attempts_left=pending.attempts_left,
        )
        if pending
        else None,
        notices=notices(request),
    )


@router.get("/me/phones", response={200: PhonesOut, 401: Error}, summary="My phones")
def phones(request: HttpRequest):
    """The mobile (and whether it is verified), the landline, what the directory hides,
    and a new mobile waiting for its code on this device."""
    return phones_out(request, current_token(request))


@router.patch(
    "/me/phones",
    response={200: PhonesOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Change my landline or what the directory shows",
)
def update_phones(request: HttpRequest, payload: PhonesPatch):
    """With the current password: the landline (empty removes it), and whether the
    directory hides the mobile or the landline. The fields left out stay as they are."""
    token = current_token(request)
    user = token.user
    require_password(request, user, payload.password)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True, exclude={"password"})
    data = {name: getattr(user, name) for name in PhonesForm.Meta.fields}
    data["landline"] = str(data["landline"] or "")
    form = PhonesForm(data={**data, **changes}, instance=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    account_services.update_user(user, **{name: form.cleaned_data[name] for name in changes})
    return phones_out(request, token)


@router.post(
    "/me/phones/mobile",
    response={202: PhonesOut, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Add a new mobile (a code is sent to it)",
)
@decorate_view(idempotent)
def add_mobile(request: HttpRequest, payload: MobileIn):
    """With the current password. The number gets an SMS with a 6-digit code, valid 10
    minutes; send it to /me/phones/mobile/verify and the number becomes the account's
    mobile. The account's own mobile, not verified yet, may be sent again to get its
    code. The website's limits apply: a code every 30 seconds, a few a day."""
    token = current_token(request)
    user = token.user
    consume_limit(request, user, "change_phone")
    require_password(request, user, payload.password)
    current = str(user.mobile) if user.mobile else None
    form = ChangePhoneForm(data={"phone": payload.number}, user=user, phone=current)
    if not form.is_valid() and not _reverifying(form, user):
        raise ValidationError(_renamed(form.errors.as_data(), {"phone": "number"}))
    number = str(form.cleaned_data.get("phone") or current)
    if verification_codes_capped(user, number):
        raise too_many(codes_capped_message(), retry_after=seconds_until_code_allowed(user, number))
    try:
        DevicePhoneVerification.initiate(token, number)
    except RateLimited:
        raise too_many(
            _("Un code vient de partir : attendez un peu avant d'en demander un autre."),
            retry_after=rate_window("verify_phone"),
        ) from None
    return Status(202, phones_out(request, token))


def _reverifying(form: ChangePhoneForm, user) -> bool:
    """The website's "send the code again" for the account's mobile not yet verified:
    allowed although it is the same number."""
    errors = form.errors.as_data().get("phone", [])
    if user.mobile and not user.mobile_verified and [e.code for e in errors] == ["same_as_current"]:
        form.cleaned_data["phone"] = str(user.mobile)
        return True
    return False


def _renamed(errors: dict, names: dict[str, str]) -> dict:
    return {names.get(name, name): items for name, items in errors.items()}


@router.post(
    "/me/phones/mobile/verify",
    response={200: PhonesOut, 401: Error, 409: Error, 422: Error, 429: Error},
    summary="Verify the new mobile with its code",
)
@decorate_view(idempotent)
def verify_mobile(request: HttpRequest, payload: CodeIn):
    """The code the SMS brought. Right: the number becomes the account's mobile, verified
    (alerts by SMS go to it). Wrong: 422 (GET /me/phones says how many tries are left);
    after 5 wrong codes the number must be added again."""
    token = current_token(request)
    process = DevicePhoneVerification.resume(token)
    if process is None:
        raise ApiError(
            409,
            "nothing_to_verify",
            _(
                "Aucun code n'attend sur cet appareil : ajoutez d'abord le numéro (le code expire après 10 minutes)."
            ),
        )
    form = VerifyPhoneForm(
        data={"code": payload.code}, code=process.code, user=token.user, phone=process.phone
    )
    if not form.is_valid():
        process.record_invalid_attempt()  # aborts the process at the last attempt
        raise ValidationError(form.errors.as_data())
    with transaction.atomic():
        process.finish()
    return phones_out(request, token)


@router.delete(
    "/me/phones/mobile/pending",
    response={204: None, 401: Error},
    summary="Forget the new mobile waiting for its code",
)
def cancel_mobile(request: HttpRequest):
    """The code sent is no longer accepted; the account's mobile stays as it was."""
    process = DevicePhoneVerification.resume(current_token(request))
    if process is not None:
        process.abort()
    return Status(204, None)
