from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.phones import PhoneFormField
from monquartier.alerts.models import AlertCategory
from monquartier.communities.models import Community


class PoliceContactForm(forms.Form):
    station = forms.CharField(
        label=_("Commissariat ou brigade"),
        max_length=120,
        help_text=_("Par exemple « Commissariat du 8e arrondissement »."),
    )
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254, required=False)
    mobile = PhoneFormField(
        mobile=True,
        label=_("Téléphone mobile"),
        required=False,
        help_text=_("Il reçoit les alertes par SMS. Une adresse e-mail ou un mobile au moins."),
    )
    communities: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Communautés couvertes"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune cochée : toutes les communautés de la commune, même les nouvelles."),
    )
    muted_categories = forms.MultipleChoiceField(
        label=_("Catégories à ne pas lui transmettre"),
        choices=AlertCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]
