"""The account middlewares: the member's language, and the staff's second factor."""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from monquartier.accounts.reauthentication import second_factor_entered


class MemberLanguageMiddleware:
    """A logged-in member's language (their settings) wins over the language cookie and
    the browser's Accept-Language.

    LocaleMiddleware chooses before the member is known, so this runs after
    AuthenticationMiddleware; LocaleMiddleware's response side then announces the
    member's language (Content-Language). The same setting picks the language of their
    e-mails and SMS, so the site and the messages always agree.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# What a staff member without a second factor may open: setting one up, and leaving.
_SETUP_PAGES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_reauthenticate",
    "account_logout",
    "set_language",
}


class SecondFactorMiddleware:
    """Staff and town-hall agents' sessions need a second factor: they see what members
    do not (staff: personal data; agents: every alert of the commune, with names).

    A staff account without one opens only the page that sets it up. A staff session in
    which no code was typed (opened before the account had one, or by any way around the
    log-in form) is closed, and the log-in asks for the code. Covers the admin and every
    staff page, whatever their URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "ignores_session", False):
            return None  # the API: a device token, never the session (monquartier/api/http.py)
        user = request.user
        if not (user.is_authenticated and user.needs_second_factor) or second_factor_entered(
            request
        ):
            return None
        if is_mfa_enabled(user, types=[Authenticator.Type.TOTP]):
            logout(request)
            messages.info(
                request, _("Connectez-vous à nouveau, avec le code de votre application.")
            )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('account_login')}?{query}")
        if request.resolver_match.url_name in _SETUP_PAGES:
            return None
        messages.info(
            request,
            _(
                "Votre compte a besoin d'une double authentification. "
                "Installez une application d'authentification et scannez le code ci-dessous."
            ),
        )
        return redirect("mfa_activate_totp")
