from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.alerts.models import AlertCategory
from monquartier.communities.models import Community


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


class AlertFilterForm(forms.Form):
    """The console's alert filters, from the query string: a bad value is dropped (the
    view says so), never an error page."""

    communaute: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Communauté"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("Toutes"),
    )
    categorie = forms.ChoiceField(label=_("Catégorie"), required=False)
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communaute"].queryset = communities  # type: ignore[attr-defined]
        self.fields["categorie"].choices = [("", _("Toutes")), *AlertCategory.choices]  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and end < start:
            self.add_error("au", _("La fin de la période précède son début."))
        return cleaned


class AgentSettingsForm(forms.Form):
    receives_alert_sms = forms.BooleanField(
        label=_("Recevoir aussi les alertes de la commune par SMS"), required=False
    )
