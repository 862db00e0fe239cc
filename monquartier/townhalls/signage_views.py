"""The console's signage page (/mairie/signaletique/): order form and the town hall's
orders with their status."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monquartier.accounts.phones import PhoneFormField
from monquartier.townhalls import signage as signage_services
from monquartier.townhalls.access import AgentRequest, agent_required, communities_of
from monquartier.townhalls.forms import CommunityNamesField, is_large
from monquartier.townhalls.models import SignageOrder, TownHall

ORDERS_SHOWN = 50


class SignageOrderForm(forms.Form):
    signs = forms.IntegerField(
        label=gettext_lazy("Panneaux"),
        min_value=0,
        max_value=signage_services.MAX_SIGNS,
        initial=0,
        required=False,
    )
    stickers = forms.IntegerField(
        label=gettext_lazy("Autocollants"),
        min_value=0,
        max_value=signage_services.MAX_STICKERS,
        initial=0,
        required=False,
    )
    everywhere = forms.TypedChoiceField(
        label=gettext_lazy("Commande pour"),
        choices=[
            ("True", gettext_lazy("Toute la commune")),
            ("False", gettext_lazy("Des communautés choisies")),
        ],
        coerce=lambda value: value == "True",
        # Not said (an older form): the communities chosen, or the whole commune if none.
        empty_value=None,
        initial="True",
        required=False,
        widget=forms.RadioSelect,
    )
    # A commune of up to LIST_UP_TO communities: a list; a larger one: names to type.
    communities = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Communautés choisies"), coerce=int, required=False
    )
    names = CommunityNamesField(
        label=gettext_lazy("Noms des communautés"),
        help_text=gettext_lazy("Leurs noms, un par ligne ou séparés par des virgules."),
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("Adresse de livraison"),
        max_length=300,
        help_text=gettext_lazy("Service, bâtiment, quartier, point de repère."),
    )
    contact_phone = PhoneFormField(
        label=gettext_lazy("Téléphone du contact"),
        mobile=False,
        help_text=gettext_lazy("Un mobile ou un fixe, où l'équipe vous joint pour la livraison."),
    )
    mandate_reference = forms.CharField(
        label=gettext_lazy("Référence du mandat administratif"), max_length=80, required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("Précisions"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, town_hall: TownHall, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_communities = communities_of(town_hall)
        self.large, listed = is_large(self.commune_communities)
        if self.large:
            del self.fields["communities"]
            cast(CommunityNamesField, self.fields["names"]).set_communities(
                self.commune_communities
            )
        else:
            del self.fields["names"]
            cast(forms.TypedMultipleChoiceField, self.fields["communities"]).choices = listed

    def clean(self):
        cleaned = super().clean() or {}
        everywhere = cleaned.get("everywhere")
        if self.large:
            chosen = cleaned.get("names") or []
            field = "names"
        else:
            ids = cleaned.get("communities") or []
            chosen = list(self.commune_communities.filter(pk__in=ids)) if ids else []
            field = "communities"
        if everywhere:
            chosen = []
        elif everywhere is False and not chosen and field not in self.errors:
            self.add_error(field, _("Choisissez au moins une communauté, ou toute la commune."))
        cleaned["chosen"] = chosen
        return cleaned

    def service_fields(self) -> dict:
        """What order_signage takes: no community is the whole commune."""
        data = self.cleaned_data
        fields = ("signs", "stickers", "delivery_address", "contact_phone")
        return {
            **{name: data[name] for name in fields},
            "mandate_reference": data.get("mandate_reference", ""),
            "notes": data.get("notes", ""),
            "communities": data["chosen"],
        }


def _add_errors(form: SignageOrderForm, error: ValidationError) -> None:
    """The service's errors by field; those about the communities go to the field where
    they were chosen."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field == "communities":
            field = "names" if form.large else "communities"
        form.add_error(field if field in form.fields else None, errors)


@agent_required
def signage(request: AgentRequest):
    town_hall = request.town_hall
    form = SignageOrderForm(request.POST or None, town_hall=town_hall)
    if request.method == "POST" and form.is_valid():
        try:
            signage_services.order_signage(request.agent.user, town_hall, **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Commande reçue : l'équipe MonQuartier vous contacte pour la livraison."),
            )
            return redirect("townhalls:signage")
    orders = (
        SignageOrder.objects.filter(town_hall=town_hall)
        .prefetch_related("communities")
        .order_by("-created_at")[:ORDERS_SHOWN]
    )
    status = 400 if form.errors else 200
    return render(
        request,
        "townhalls/signage.html",
        {"town_hall": town_hall, "form": form, "orders": orders},
        status=status,
    )
