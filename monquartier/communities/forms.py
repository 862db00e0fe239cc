import json
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.phones import PhoneFormField
from monquartier.accounts.validators import clean_person_name
from monquartier.communities import geometry
from monquartier.communities.models import (
    ACKNOWLEDGEMENT_MINUTES_MAX,
    ACKNOWLEDGEMENT_MINUTES_MIN,
    ValidationMode,
)
from monquartier.places.models import Commune


class AreaField(forms.CharField):
    """The GeoJSON the map editor writes; parsed and checked by geometry.parse_area."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"required": _("Dessinez le périmètre sur la carte (3 points au moins).")},
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return geometry.parse_area(value)

    def prepare_value(self, value):
        if value is not None and hasattr(value, "exterior"):
            return json.dumps(geometry.to_geojson(value))
        return value


class CreateCommunityForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la communauté"),
        max_length=80,
        help_text=_(
            "Le nom du quartier tel que les voisins le disent, par exemple « Riviera 2 – Allée des Manguiers »."
        ),
    )
    commune = forms.ModelChoiceField(
        queryset=Commune.objects.order_by("district", "name"), label=_("Commune")
    )
    area = AreaField(label=_("Périmètre"))


class BoundaryForm(forms.Form):
    name = forms.CharField(label=_("Nom de la communauté"), max_length=80)
    area = AreaField(label=_("Périmètre"))
    leave_outside = forms.BooleanField(
        required=False,
        label=_("J'ai prévenu les membres qui se retrouvent hors du périmètre."),
    )


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Il sera montré à la personne. Par exemple : votre domicile est hors du périmètre."
        ),
        error_messages={
            "required": _("Indiquez le motif du refus : il sera montré à la personne.")
        },
    )


class CommunitySettingsForm(forms.Form):
    validation_mode = forms.ChoiceField(
        label=_("Qui valide les demandes d'adhésion ?"),
        choices=ValidationMode.choices,
        widget=forms.RadioSelect,
    )
    public_page = forms.BooleanField(
        required=False,
        label=_("Activer la page publique de la communauté"),
        help_text=_(
            "Visible de tous : nom, date de création, nombre de membres, présentation et nom du référent."
        ),
    )
    presentation = forms.CharField(
        label=_("Présentation publique"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
        help_text=_("1 000 caractères au plus. Ne donnez ni adresse ni numéro de téléphone."),
    )
    acknowledgement_minutes = forms.IntegerField(
        label=_("Délai avant escalade d'une alerte (minutes)"),
        # Left empty, the delay stays as it was.
        required=False,
        min_value=ACKNOWLEDGEMENT_MINUTES_MIN,
        max_value=ACKNOWLEDGEMENT_MINUTES_MAX,
        help_text=_(
            "Si personne n'a dit « J'ai vu » après ce délai, les référents sont appelés ou "
            "reçoivent un SMS ; après le double, la mairie et la police de la commune."
        ),
    )


class TwinningRequestForm(forms.Form):
    partner = forms.TypedChoiceField(label=_("Communauté voisine"), coerce=int)

    def __init__(self, *args, nearby, **kwargs):
        super().__init__(*args, **kwargs)
        self.nearby = {community.pk: community for community, _distance in nearby}
        cast(forms.TypedChoiceField, self.fields["partner"]).choices = [
            (community.pk, f"{community.name} ({distance / 1000:.1f} km)".replace(".", ","))
            for community, distance in nearby
        ]

    def clean_partner(self):
        partner = self.nearby.get(self.cleaned_data["partner"])
        if partner is None:
            raise ValidationError(
                _("Choisissez une communauté de la liste."), code="invalid_choice"
            )
        return partner


class NeighbourForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=60)
    last_name = forms.CharField(label=_("Nom"), max_length=60)
    mobile = PhoneFormField(
        mobile=True, label=_("Téléphone mobile"), help_text=_("Il recevra les alertes par SMS.")
    )
    email = forms.EmailField(label=_("Adresse e-mail (facultative)"), required=False)
    quartier = forms.CharField(label=_("Quartier"), max_length=80)
    address_details = forms.CharField(
        label=_("Adresse"),
        max_length=200,
        required=False,
        help_text=_("Lot, îlot, rue, immeuble, porte…"),
    )
    landmark = forms.CharField(label=_("Point de repère"), max_length=200, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Placez son domicile sur la carte.")},
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={"required": _("Placez son domicile sur la carte.")},
    )
    alert_voice = forms.BooleanField(
        label=_("Recevoir aussi les alertes par appel vocal"),
        required=False,
        help_text=_("Pour un voisin qui lit difficilement : un appel lui lit chaque alerte."),
    )
    confirm = forms.BooleanField(
        label=_("Ce voisin est d'accord pour être inscrit et recevoir les alertes par SMS."),
        error_messages={"required": _("Inscrivez un voisin seulement avec son accord.")},
    )

    def clean_first_name(self):
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return clean_person_name(self.cleaned_data["last_name"])
