from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.alerts.models import AlertCategory


class AlertForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Que se passe-t-il ?"),
        choices=AlertCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le type d'alerte.")},
    )
    text = forms.CharField(
        label=_("Décrivez en quelques mots"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_(
            "Où, quoi, à quoi ressemblent les personnes ou le véhicule. Des faits : jamais d'origine ni d'ethnie."
        ),
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )


class HideAlertForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300)


class HeldDecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Envoyer l'alerte")), (REJECT, _("Refuser l'alerte"))]
    )
    reason = forms.CharField(label=_("Motif (facultatif)"), max_length=300, required=False)
