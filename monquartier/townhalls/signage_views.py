"""The console's signage page (/mairie/signaletique/): order form and the town hall's
orders with their status."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monquartier.accounts.phones import PhoneFormField
from monquartier.communities.models import Community
from monquartier.townhalls import signage as signage_services
from monquartier.townhalls.access import AgentRequest, agent_required, communities_of
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
    communities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Communautés concernées"),
        queryset=Community.objects.none(),
        required=False,
        help_text=gettext_lazy("Aucune choisie : toute la commune."),
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
        field = self.fields["communities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = communities_of(town_hall).order_by("name").only("id", "name")


@agent_required
def signage(request: AgentRequest):
    town_hall = request.town_hall
    form = SignageOrderForm(request.POST or None, town_hall=town_hall)
    if request.method == "POST" and form.is_valid():
        try:
            signage_services.order_signage(request.agent.user, town_hall, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
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
