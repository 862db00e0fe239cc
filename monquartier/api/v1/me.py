"""The signed-in person: their profile, language and notification settings.

PATCH changes only what the website's identity page changes without the password (the
pseudonym and the language), through its form and service. E-mail, password and phones
are never changed through a token: the website asks for the password for those."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from ninja import Router

from monquartier.accounts import services as account_services
from monquartier.accounts.forms import IdentityForm
from monquartier.api.auth import signed_in
from monquartier.api.v1.schemas import Error, MeOut, MePatch, MyCommunity, NotificationModes
from monquartier.communities.models import Membership
from monquartier.notifications import preferences

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
    """Change the pseudonym (empty to remove it) or the language; the fields left out
    stay as they are."""
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
