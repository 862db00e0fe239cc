from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.communities import geometry
from monquartier.communities.forms import AreaField
from monquartier.staffops import services


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(
        label=_("Communauté gardée (son nom, sa page et son numéro restent)"),
        coerce=int,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Nouveau nom (facultatif)"),
        max_length=80,
        required=False,
        help_text=_("Laissez vide pour garder le nom de la communauté gardée."),
    )
    agreement = forms.BooleanField(
        label=_("Les référents de chacune de ces communautés ont donné leur accord."),
        required=False,
    )
    note = forms.CharField(
        label=_("Accord : qui, quand, comment (numéro de demande d'aide s'il y en a une)"),
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["keep"]).choices = [
            (community.pk, f"{community.name} (n° {community.pk})") for community in communities
        ]


class AreaForm(forms.Form):
    area = AreaField(
        label=_("Nouveau périmètre (GeoJSON, un polygone en longitude, latitude)"),
        # The length is bounded by geometry.parse_area (its message), before parsing.
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "cols": 80,
                "spellcheck": "false",
                "maxlength": geometry.MAX_AREA_TEXT,
            }
        ),
    )
    reason = forms.CharField(
        label=_("Motif (par exemple : chevauchement avec « Riviera 3 », demande n° 12)"),
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        required=False,
    )
    leave_outside = forms.BooleanField(
        label=_("Les membres qui se retrouvent hors du périmètre ont été prévenus."),
        required=False,
    )


class GrantExemptionForm(forms.Form):
    max_area_km2 = forms.DecimalField(
        label=_("Surface maximale (km²)"),
        min_value=1,
        max_value=services.MAX_EXEMPTION_KM2,
        max_digits=6,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=_("Motif (par exemple : village de 800 habitants, demande n° 12)"),
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        required=False,
    )


class RemoveExemptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"),
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        required=False,
    )
