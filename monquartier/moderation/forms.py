from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.moderation.models import ReportReason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Pourquoi signalez-vous ce contenu ?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label=_("Précisions (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExclusionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la demande"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Des faits : ce qui s'est passé, quand. L'équipe MonQuartier examine chaque demande."
        ),
    )
