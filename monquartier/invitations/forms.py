from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from monquartier.accounts.phones import EXAMPLE_MOBILE
from monquartier.invitations.models import PERSONAL_NOTE_MAX_LENGTH
from monquartier.invitations.services import EMAIL_MAX_LENGTH


class SMSInvitationForm(forms.Form):
    prefix = "sms"  # both forms share a page: their fields need their own ids
    # The service parses and explains; the form only bounds what reaches it.
    address = forms.CharField(
        label=gettext_lazy("Son numéro de mobile"),
        max_length=30,
        help_text=lazy(
            lambda: gettext("Par exemple %(example)s.") % {"example": EXAMPLE_MOBILE}, str
        )(),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class EmailInvitationForm(forms.Form):
    prefix = "email"
    address = forms.CharField(
        label=gettext_lazy("Son adresse e-mail"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    personal_note = forms.CharField(
        label=gettext_lazy("Un mot de votre part (facultatif)"),
        required=False,
        max_length=PERSONAL_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=lazy(
            lambda: (
                gettext("%(max)s caractères au plus, sans mise en forme.")
                % {"max": PERSONAL_NOTE_MAX_LENGTH}
            ),
            str,
        )(),
    )
