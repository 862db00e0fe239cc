from django import forms
from django.utils.translation import gettext_lazy as _


class InviteAgentForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail professionnelle"), max_length=254)
    can_manage_agents = forms.BooleanField(
        label=_("Pourra inviter et retirer des agents"), required=False
    )


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=60)
    last_name = forms.CharField(label=_("Nom"), max_length=60)
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
