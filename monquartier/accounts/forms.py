from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import record_authentication
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from monquartier.accounts import signup_email
from monquartier.accounts.models import Home, Profile, User
from monquartier.accounts.phones import PhoneFormField
from monquartier.accounts.validators import clean_person_name
from monquartier.places.models import Commune

format_html_lazy = lazy(format_html, str)

NAME_HELP = _("Votre vrai nom : vos voisins doivent pouvoir vous reconnaître.")


class SignupForm(AllauthSignupForm):
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        help_text=NAME_HELP,
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    accept_charter = forms.BooleanField(
        # lazy() hands the lazy strings to format_html, which formats them when rendered.
        label=format_html_lazy(  # type: ignore[call-overload]
            _(
                "J'ai lu la <a href=\"{}\">charte du voisin vigilant</a> : je préviens, je n'interviens jamais."
            ),
            reverse_lazy("charter"),
        ),
        error_messages={"required": _("Il faut accepter la charte pour s'inscrire.")},
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "password1",
        "password2",
        "accept_charter",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")
        self.fields["phone"].label = _("Téléphone mobile")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        self.fields["password2"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].help_text = _(
            "Au moins 8 caractères, pas seulement des chiffres, pas un mot de passe courant."
        )

    def clean_first_name(self):
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return clean_person_name(self.cleaned_data["last_name"])

    def try_save(self, request):
        # Always an account, even when the address has one already: the sign-up then
        # looks the same, and only the e-mail tells the owner (accounts/signup_email.py).
        return self.save(request), None

    def save(self, request):
        """The account, without the e-mail address: it is added once confirmed."""
        email = self.cleaned_data.get("email")
        adapter = get_adapter()
        user = adapter.new_user(request)
        self.cleaned_data["email"] = None  # what adapter.save_user copies onto the user
        try:
            adapter.save_user(request, user, self)
        finally:
            self.cleaned_data["email"] = email
        self.custom_signup(request, user)
        signup_email.remember_address(request, email)
        # The password was just typed: the pages that ask for it again do not, for a
        # few minutes (accounts/reauthentication.py), e.g. to correct the address.
        record_authentication(request, user, method="password", signup=True)
        return user


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Adresse e-mail")
        # The page has its own "forgotten password" link under the button.
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Rester connecté sur cet appareil")


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Adresse e-mail")
        self.fields["email"].widget.attrs.pop("placeholder", None)


class IdentityForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "pseudonym", "language", "newsletter"]
        help_texts = {"first_name": NAME_HELP}

    def clean_first_name(self):
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return clean_person_name(self.cleaned_data["last_name"])

    def clean_pseudonym(self):
        pseudonym = " ".join(self.cleaned_data["pseudonym"].split())
        if pseudonym and ("@" in pseudonym or not any(char.isalpha() for char in pseudonym)):
            raise ValidationError(
                _("Un pseudonyme contient au moins une lettre et pas de « @ »."),
                code="invalid_pseudonym",
            )
        return pseudonym


class PhonesForm(forms.ModelForm):
    """The landline and what the directory shows. The mobile changes through its own page,
    because a new mobile must be verified by SMS before it is used."""

    landline = PhoneFormField(
        mobile=False,
        required=False,
        label=_("Téléphone fixe"),
        help_text=_("Facultatif. Exemple : 27 22 44 55 66"),
    )

    class Meta:
        model = User
        fields = ["landline", "hide_mobile", "hide_landline"]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "description",
            "interests",
            "birth_date",
            "housing_type",
            "has_alarm",
            "has_guard",
            "housing_notes",
            "show_photo_on_public_page",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
            "housing_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "birth_date": _("Facultatif. Vos voisins ne verront que le jour et le mois."),
        }

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if birth_date and (birth_date > today or birth_date.year < today.year - 120):
            raise ValidationError(
                _("Cette date de naissance n'est pas possible."), code="invalid_date"
            )
        return birth_date


class PhotoForm(forms.Form):
    # A plain FileField: Pillow checks the content in the service, whatever the name says.
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG ou WebP, 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class HomeForm(forms.ModelForm):
    commune = forms.ModelChoiceField(
        queryset=Commune.objects.order_by("district", "name"),
        label=_("Commune"),
        empty_label=_("Choisissez votre commune"),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Placez votre domicile sur la carte.")},
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Placez votre domicile sur la carte.")},
    )

    class Meta:
        model = Home
        fields = ["commune", "quartier", "address_details", "landmark", "latitude", "longitude"]


class WaitingEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("La bonne adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_(
            "Je comprends que mes données personnelles seront effacées et que c'est définitif."
        ),
        error_messages={"required": _("Cochez la case pour confirmer.")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Ce mot de passe n'est pas le bon."), code="wrong_password")
        return password


__all__ = [
    "CloseAccountForm",
    "HomeForm",
    "IdentityForm",
    "LoginForm",
    "PhonesForm",
    "PhotoForm",
    "ProfileForm",
    "ResetPasswordForm",
    "SignupForm",
    "WaitingEmailForm",
]
