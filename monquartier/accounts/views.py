from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from monquartier.accounts import exports, services, signup_email
from monquartier.accounts.forms import (
    CloseAccountForm,
    HomeForm,
    IdentityForm,
    PhonesForm,
    PhotoForm,
    ProfileForm,
    WaitingEmailForm,
)
from monquartier.accounts.models import DeviceToken, Home, User
from monquartier.accounts.reauthentication import recent_password_required
from monquartier.accounts.signals import account_closure_warnings
from monquartier.audit import labels as audit_labels
from monquartier.audit.models import AuditEntry
from monquartier.places.models import Commune


def settings_index(request):
    user = request.user
    home = Home.objects.select_related("commune").filter(user=user).first()
    return render(request, "accounts/settings_index.html", {"home": home})


# The member's page shows the latest entries only: enough to see what staff did lately,
# bounded whatever the length of the log.
STAFF_ACCESS_SHOWN = 50


def staff_access(request):
    """When staff looked at or acted on the member's data, and what kind of action:
    never who (the audit log keeps that for the team)."""
    entries = [
        {"at": created_at, "label": audit_labels.for_member(action)}
        for created_at, action in AuditEntry.objects.about(request.user).values_list(
            "created_at", "action"
        )[:STAFF_ACCESS_SHOWN]
    ]
    return render(
        request,
        "accounts/staff_access.html",
        {"entries": entries, "limit": STAFF_ACCESS_SHOWN},
    )


def devices(request):
    """The apps signed in to the account ("Appareils connectés"), each revocable."""
    tokens = DeviceToken.objects.filter(user=request.user).only(
        "pk", "name", "created_at", "last_used_at"
    )
    return render(request, "accounts/devices.html", {"tokens": tokens})


@require_POST
def revoke_device(request, token_id: int):
    if services.revoke_device_token(request.user, token_id):
        messages.success(request, _("Cet appareil est déconnecté."))
    return redirect("accounts:devices")


def edit_identity(request):
    form = IdentityForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_user(request.user, **form.cleaned_data)
        translation.activate(request.user.language)  # the message in the chosen language
        messages.success(request, _("Vos informations sont enregistrées."))
        response = redirect("accounts:settings")
        # Apply the chosen language at once, not only at the next log-in.
        # With the flags of settings.py, like the language switcher's cookie.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(request, "accounts/edit_identity.html", {"form": form})


@login_not_required  # visitors choose their language too
@require_POST
def set_language(request):
    """The footer's language switch. For a logged-in member it changes their setting,
    which wins over the cookie (MemberLanguageMiddleware)."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.set_language(request.user, language)
    return response


@recent_password_required
def edit_phones(request):
    form = PhonesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_user(request.user, **form.cleaned_data)
        messages.success(request, _("Vos numéros sont enregistrés."))
        return redirect("accounts:phones")
    return render(request, "accounts/edit_phones.html", {"form": form})


def edit_profile(request):
    profile = request.user.profile
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_profile(request.user, **form.cleaned_data)
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/edit_profile.html",
        {"form": form, "photo_form": PhotoForm(), "profile": profile},
    )


@require_POST
def upload_photo(request):
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            services.set_profile_photo(request.user, photo_form.cleaned_data["photo"])
        except ValidationError as error:
            photo_form.add_error("photo", error)
    if photo_form.errors:
        profile = request.user.profile
        return render(
            request,
            "accounts/edit_profile.html",
            {"form": ProfileForm(instance=profile), "photo_form": photo_form, "profile": profile},
            status=400,
        )
    messages.success(request, _("Votre photo est enregistrée."))
    return redirect("accounts:profile")


@require_POST
def delete_photo(request):
    services.remove_profile_photo(request.user)
    messages.success(request, _("Votre photo est supprimée."))
    return redirect("accounts:profile")


def edit_home(request):
    home = Home.objects.filter(user=request.user).select_related("commune").first()
    form = HomeForm(request.POST or None, instance=home)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in HomeForm.Meta.fields}
        try:
            services.set_home(request.user, **fields)
        except ValidationError as error:
            form.add_error("latitude", error)
        else:
            messages.success(request, _("Votre adresse est enregistrée."))
            # The first time, the next step of joining is on the home page.
            return redirect("home" if home is None else "accounts:settings")
    commune_centres = {
        str(pk): [latitude, longitude]
        for pk, latitude, longitude in Commune.objects.values_list("pk", "latitude", "longitude")
    }
    return render(
        request,
        "accounts/edit_home.html",
        {"form": form, "home": home, "commune_centres": commune_centres},
    )


def close_account(request):
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.close_account(request.user)
        logout(request)
        messages.success(
            request, _("Votre compte est fermé et vos données personnelles sont effacées.")
        )
        return redirect("home")
    # Said before the member confirms, by the apps whose data the closure also ends.
    responses = account_closure_warnings.send(sender=User, user=request.user)
    return render(
        request,
        "accounts/close_account.html",
        {"form": form, "warnings": [warning for _receiver, warning in responses if warning]},
    )


def waiting_email(request):
    """The address typed at sign-up, not confirmed yet: send the link again."""
    email = signup_email.waiting_address(request)
    if email is None:
        return redirect("account_email")
    if request.method == "POST":
        _send_link(request, email)
        return redirect("accounts:waiting_email")
    return _render_waiting_email(request, email, WaitingEmailForm())


@require_POST
@recent_password_required
def correct_waiting_email(request):
    """A mistyped address: send the link to the right one instead."""
    email = signup_email.waiting_address(request)
    if email is None:
        return redirect("account_email")
    form = WaitingEmailForm(request.POST)
    if not form.is_valid():
        return _render_waiting_email(request, email, form, status=400)
    _send_link(request, form.cleaned_data["email"])
    return redirect("accounts:waiting_email")


def _send_link(request, email: str) -> None:
    # The same words whether or not the address has an account (signup_email.py).
    if signup_email.send_link(request, request.user, email):
        messages.success(request, _("C'est envoyé. Ouvrez l'e-mail et touchez le lien."))
    else:
        messages.warning(
            request,
            _("Un e-mail est parti il y a moins de 3 minutes. Attendez-le un peu, puis réessayez."),
        )


def _render_waiting_email(request, email: str, form, status: int = 200):
    return render(
        request, "accounts/waiting_email.html", {"email": email, "form": form}, status=status
    )


@recent_password_required
def my_data(request):
    """ "Télécharger mes données": a page that says what the zip holds, and its button."""
    if request.method == "POST":
        try:
            services.record_data_export(request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:my_data")
        day = timezone.localdate().isoformat()
        response = FileResponse(
            exports.build_export(request.user),
            as_attachment=True,
            filename=f"monquartier-mes-donnees-{day}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "accounts/my_data.html", {"recent_days": exports.RECENT_DAYS})
