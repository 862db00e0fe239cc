from django import forms
from django.utils.translation import gettext_lazy

from monquartier.places.models import Commune
from monquartier.shop.models import DeliveryMethod, DeliveryZone
from monquartier.shop.services import MAX_QUANTITY


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantité"), min_value=0, max_value=MAX_QUANTITY, initial=1
    )


class CheckoutForm(forms.Form):
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("Livraison ou retrait"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.DELIVERY,
        widget=forms.RadioSelect,
    )
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choisissez…"),
    )
    quartier = forms.CharField(label=gettext_lazy("Quartier"), max_length=100, required=False)
    landmark = forms.CharField(
        label=gettext_lazy("Point de repère"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Par exemple : derrière la pharmacie, portail bleu."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Téléphone à appeler pour la livraison"), max_length=30
    )
    # What the page showed for the articles (the template writes it, never the bound
    # form: after a price change the page shows the new amount and accepts it).
    shown_subtotal = forms.IntegerField(
        required=False, min_value=0, max_value=10**9, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = (  # type: ignore[attr-defined]
            Commune.objects.filter(
                pk__in=DeliveryZone.objects.filter(active=True).values("communes")
            ).order_by("name")
        )


class RefundForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Référence du remboursement"), max_length=80)
    reason = forms.CharField(
        label=gettext_lazy("Raison"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
