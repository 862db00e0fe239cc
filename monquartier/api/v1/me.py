"""The signed-in person: their identity, notification settings, e-mail and password
(the phones: phones.py), through the website's forms and services.

PATCH /me changes what the website's identity page changes (no password needed there
either). The e-mail and the password need the current password in the request, as the
website asks for it again (accounts/reauthentication.py): a token alone, picked up on a
lost phone, cannot take the account over."""

from typing import Any, cast

from allauth.account import signals as allauth_signals
from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm, ChangePasswordForm
from allauth.account.internal import flows
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from monquartier.accounts import exports
from monquartier.accounts import services as account_services
from monquartier.accounts.forms import (
    CloseAccountForm,
    HomeForm,
    IdentityForm,
    PhotoForm,
    ProfileForm,
)
from monquartier.accounts.models import Home, User
from monquartier.accounts.signals import account_closure_warnings
from monquartier.api.auth import current_token, require_password, signed_in
from monquartier.api.errors import ApiError, rate_window, too_many
from monquartier.api.http import notices, refuse_repeated_fields
from monquartier.api.v1.schemas import (
    CloseAccountIn,
    ClosedOut,
    ClosureWarningsOut,
    CommuneRef,
    EmailChangeIn,
    EmailChangeOut,
    Error,
    HomeIn,
    HomeOut,
    KindOut,
    MeOut,
    MePatch,
    MyCommunity,
    MyDataIn,
    NotificationModes,
    NotificationsOut,
    NotificationsPatch,
    PasswordChangeIn,
    PlaceOut,
    ProfileOut,
    ProfilePatch,
    TokenOut,
)
from monquartier.api.v1.tokens import device_out
from monquartier.communities.models import Membership
from monquartier.notifications import preferences
from monquartier.notifications.forms import PreferencesForm
from monquartier.notifications.models import NotificationKind
from monquartier.places.models import Commune

router = Router(tags=["me"])


def me_out(user) -> MeOut:
    membership = Membership.objects.active_for(user)
    return MeOut(
        id=user.pk,
        first_name=user.first_name,
        last_name=user.last_name,
        pseudonym=user.pseudonym,
        email=user.email,
        mobile=str(user.mobile or ""),
        mobile_verified=user.mobile_verified,
        language=user.language,
        is_town_hall_agent=user.is_town_hall_agent,
        newsletter=user.newsletter,
        community=MyCommunity(
            id=membership.community.pk,
            name=membership.community.name,
            is_referent=membership.is_referent,
        )
        if membership
        else None,
        notifications=NotificationModes(
            alert_sms=user.alert_sms, modes=preferences.all_modes(user)
        ),
    )


@router.get("/me", response={200: MeOut, 401: Error}, summary="My profile")
def me(request: HttpRequest):
    return me_out(signed_in(request))


@router.patch("/me", response={200: MeOut, 401: Error, 422: Error}, summary="Change my profile")
def update_me(request: HttpRequest, payload: MePatch):
    """Change the names, the pseudonym (empty to remove it), the language or the
    newsletter, as Paramètres → Identité; the fields left out stay as they are."""
    user = signed_in(request)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    # The website's form validates (a pseudonym has a letter and no "@"), with the
    # fields left out as they are.
    data = {name: getattr(user, name) for name in IdentityForm.Meta.fields}
    form = IdentityForm(data={**data, **changes}, instance=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    account_services.update_user(user, **{name: form.cleaned_data[name] for name in changes})
    translation.activate(user.language)
    return me_out(user)


def consume_limit(request: HttpRequest, user: User, action: str) -> None:
    """One of the website's allauth limits on this action (ACCOUNT_RATE_LIMITS), counted
    in the same cache as the website's pages: 429 past it."""
    if not ratelimit.consume(request, action=action, user=user):
        raise too_many(
            _("Trop de tentatives : réessayez dans un moment."), retry_after=rate_window(action)
        )


def notifications_out(user: User) -> NotificationsOut:
    modes = preferences.all_modes(user)
    return NotificationsOut(
        alert_sms=user.alert_sms,
        alert_voice=user.alert_voice,
        has_push=preferences.has_push(user),
        kinds=[
            KindOut(
                kind=kind,
                label=str(label),
                mode=cast(Any, modes[kind]),
                choices=cast(
                    Any,
                    [mode for mode, _label in preferences.modes_of(kind)]
                    if kind not in preferences.FIXED
                    else [preferences.FIXED[kind]],
                ),
            )
            for kind, label in NotificationKind.choices
        ],
    )


@router.get(
    "/me/notifications",
    response={200: NotificationsOut, 401: Error},
    summary="My notification settings",
)
def notifications(request: HttpRequest):
    """For each kind, how it reaches the member (off, daily digest or at once) and the
    choices they have; alerts are always instant. Whether alerts also come by SMS and by
    a voice call."""
    return notifications_out(signed_in(request))


@router.patch(
    "/me/notifications",
    response={200: NotificationsOut, 401: Error, 422: Error},
    summary="Change my notification settings",
)
def update_notifications(request: HttpRequest, payload: NotificationsPatch):
    """The website's rules: alert e-mails cannot be turned off, the town hall's
    announcements have no digest, SMS alerts can be turned off only once push
    notifications reach the member, voice calls need a verified mobile."""
    user = signed_in(request)
    modes = preferences.all_modes(user)
    changes = payload.modes or {}
    unknown = sorted(set(changes) - set(modes))
    if unknown:
        message = _("Choix de notification inconnu.")
        raise ValidationError({kind: ValidationError(message, code="unknown") for kind in unknown})
    data = {kind: mode for kind, mode in modes.items() if kind not in preferences.FIXED}
    data.update(changes)
    alert_sms = user.alert_sms if payload.alert_sms is None else payload.alert_sms
    alert_voice = user.alert_voice if payload.alert_voice is None else payload.alert_voice
    form = PreferencesForm(
        data={**data, "alert_sms": alert_sms, "alert_voice": alert_voice}, modes=modes
    )
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    # The form refuses nothing for a fixed kind (it has no field): the service does.
    fixed = {kind: mode for kind, mode in changes.items() if kind in preferences.FIXED}
    preferences.save_preferences(
        user,
        {**form.modes(), **fixed},
        alert_sms=form.cleaned_data["alert_sms"],
        alert_voice=form.cleaned_data["alert_voice"],
    )
    return notifications_out(user)


@router.post(
    "/me/email",
    response={202: EmailChangeOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Change my e-mail address",
)
def change_email(request: HttpRequest, payload: EmailChangeIn):
    """With the current password. A link goes to the new address; the account's address
    changes when it is opened (until then e-mails go to the old one), as on the website."""
    user = signed_in(request)
    consume_limit(request, user, "manage_email")
    require_password(request, user, payload.password)
    form = AddEmailForm(data={"email": payload.email}, user=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    flows.manage_email.add_email(request, form)  # the password was given: no re-asking
    waiting = (
        EmailAddress.objects.filter(user=user, verified=False)
        .order_by("-pk")
        .values_list("email", flat=True)
        .first()
    )
    return Status(202, EmailChangeOut(email=user.email, waiting=waiting, notices=notices(request)))


@router.post(
    "/me/password",
    response={200: TokenOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Change my password",
)
def change_password(request: HttpRequest, payload: PasswordChangeIn):
    """With the current password. Every device is signed out, as on the website; this one
    gets a new token in the answer (its sign-in is renewed, under the same name)."""
    token = current_token(request)
    user = token.user
    consume_limit(request, user, "change_password")
    require_password(request, user, payload.password)
    form = ChangePasswordForm(
        data={
            "oldpassword": payload.password,
            "password1": payload.new_password,
            "password2": payload.new_password,
        },
        user=user,
    )
    if not form.is_valid():
        errors = form.errors.as_data()
        raise ValidationError(
            {
                "new_password" if name in ("password1", "password2") else name: items
                for name, items in errors.items()
            }
        )
    with transaction.atomic():
        form.save()  # the tokens go with the old password (User.save)
        renewed, secret = account_services.issue_device_token(user, token.name)
    # What allauth's page does after the change, but the session's: the e-mail that
    # tells the member, and the signal.
    get_adapter(request).send_notification_mail("account/email/password_changed", user)
    allauth_signals.password_changed.send(sender=User, request=request, user=user)
    return TokenOut(token=secret, device=device_out(renewed))


def profile_out(user: User) -> ProfileOut:
    profile = user.profile
    return ProfileOut(
        description=profile.description,
        interests=profile.interests,
        birth_date=profile.birth_date,
        housing_type=cast(Any, profile.housing_type),
        has_alarm=profile.has_alarm,
        has_guard=profile.has_guard,
        housing_notes=profile.housing_notes,
        show_photo_on_public_page=profile.show_photo_on_public_page,
        photo_url=reverse("communities:photo", args=[user.pk, "thumbnail"])
        if profile.photo_thumbnail
        else None,
    )


@router.get("/me/profile", response={200: ProfileOut, 401: Error}, summary="My profile page")
def profile(request: HttpRequest):
    """Mon profil: what the neighbours of the community see (description, interests, the
    day and month of the birth date) and the housing details, for the member alone."""
    return profile_out(signed_in(request))


@router.patch(
    "/me/profile", response={200: ProfileOut, 401: Error, 422: Error}, summary="Change my profile"
)
def update_profile(request: HttpRequest, payload: ProfilePatch):
    """The website's profile form (no password needed there either); the fields left
    out stay as they are."""
    user = signed_in(request)
    profile = user.profile
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    data = {name: getattr(profile, name) for name in ProfileForm.Meta.fields}
    data["birth_date"] = data["birth_date"].isoformat() if data["birth_date"] else ""
    form = ProfileForm(data={**data, **changes}, instance=profile)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    account_services.update_profile(user, **{name: form.cleaned_data[name] for name in changes})
    return profile_out(user)


def home_out(home: Home) -> HomeOut:
    return HomeOut(
        commune=CommuneRef(slug=home.commune.slug, name=home.commune.name),
        quartier=home.quartier,
        address_details=home.address_details,
        landmark=home.landmark,
        place=PlaceOut(latitude=home.latitude, longitude=home.longitude),
    )


@router.get("/me/home", response={200: HomeOut, 401: Error, 404: Error}, summary="My address")
def home(request: HttpRequest):
    """The member's address and pin (404 until they gave one)."""
    return home_out(Home.objects.select_related("commune").get(user=signed_in(request)))


@router.put(
    "/me/home", response={200: HomeOut, 401: Error, 422: Error}, summary="Give or move my address"
)
def set_home(request: HttpRequest, payload: HomeIn):
    """The website's address page: the commune, quartier, lot/îlot, landmark and the pin.
    The first address lets the member join the community around it (POST
    /community/join); a member moves the pin only inside their community's area (422
    otherwise: leaving is the way to another community)."""
    user = signed_in(request)
    commune = Commune.objects.filter(slug=payload.commune).only("pk").first()
    form = HomeForm(
        data={
            "commune": commune.pk if commune else "",
            "quartier": payload.quartier,
            "address_details": payload.address_details,
            "landmark": payload.landmark,
            "latitude": payload.place.latitude,
            "longitude": payload.place.longitude,
        },
        instance=Home.objects.filter(user=user).first(),
    )
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    try:
        saved = account_services.set_home(
            user, **{name: form.cleaned_data[name] for name in HomeForm.Meta.fields}
        )
    except ValidationError as error:  # the pin out of the community: the website's words
        raise ValidationError({"place": error.messages}) from None
    return home_out(saved)


@router.post(
    "/me/photo",
    response={200: ProfileOut, 401: Error, 413: Error, 422: Error},
    summary="Give or change my photo",
)
def upload_photo(request: HttpRequest, photo: File[UploadedFile]):
    """The profile photo, sent as `multipart/form-data` (`photo`): JPEG, PNG or WebP of
    10 MB at most (413 over that), re-encoded without its metadata (the place it was
    taken) and with a thumbnail, as on the website. Another file: 422, nothing changes."""
    user = signed_in(request)
    refuse_repeated_fields(request)
    form = PhotoForm(data={}, files=MultiValueDict({"photo": [photo]}))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    try:
        account_services.set_profile_photo(user, form.cleaned_data["photo"])
    except ValidationError as error:
        if any(leaf.code == "too_large" for leaf in error.error_list):
            raise ApiError(
                413, "too_large", " ".join(error.messages), {"photo": error.messages}
            ) from None
        raise ValidationError({"photo": error}) from None
    return profile_out(User.objects.select_related("profile").get(pk=user.pk))


@router.delete("/me/photo", response={200: ProfileOut, 401: Error}, summary="Remove my photo")
def delete_photo(request: HttpRequest):
    """The photo and its thumbnail are deleted (none: nothing changes)."""
    user = signed_in(request)
    account_services.remove_profile_photo(user)
    return profile_out(User.objects.select_related("profile").get(pk=user.pk))


@router.get(
    "/me/closure",
    response={200: ClosureWarningsOut, 401: Error},
    summary="Before closing my account",
)
def closure_warnings(request: HttpRequest):
    """What the website says before the member closes their account: what else the
    closure ends (the last member of a community: the community goes with it)."""
    responses = account_closure_warnings.send(sender=User, user=signed_in(request))
    return ClosureWarningsOut(
        warnings=[str(warning) for _receiver, warning in responses if warning]
    )


@router.post(
    "/me/close",
    response={200: ClosedOut, 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Close my account",
)
def close_account(request: HttpRequest, payload: CloseAccountIn):
    """With the current password and `confirm`: the personal data are erased for good,
    the member leaves their community, and every device is signed out (this token stops
    working with the answer), as the website's "Fermer mon compte" does. Read GET
    /me/closure first and show its warnings."""
    user = signed_in(request)
    require_password(request, user, payload.password)
    form = CloseAccountForm(
        data={"password": payload.password, **({"confirm": "on"} if payload.confirm else {})},
        user=user,
    )
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    account_services.close_account(user)
    return ClosedOut(message=_("Votre compte est fermé et vos données personnelles sont effacées."))


@router.post(
    "/me/data",
    response={200: dict[str, Any], 401: Error, 403: Error, 422: Error, 429: Error},
    summary="Download my data",
)
def my_data(request: HttpRequest, payload: MyDataIn):
    """ "Télécharger mes données", with the current password (the website asks it again
    too): everything MonQuartier holds about the member, as the JSON of the website's zip
    (`exported_at` and one key per part; the photos and attachments themselves are in
    the website's zip). A few downloads a day (429 past that)."""
    user = signed_in(request)
    require_password(request, user, payload.password)
    account_services.record_data_export(user)
    response = StreamingHttpResponse(
        exports.json_chunks(user), content_type="application/json; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = (
        f'attachment; filename="monquartier-mes-donnees-{timezone.localdate().isoformat()}.json"'
    )
    return response
