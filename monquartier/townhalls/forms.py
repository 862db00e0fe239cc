from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from monquartier.alerts.models import AlertCategory
from monquartier.communities.models import Community

# Up to this many communities a filter offers them in a list; beyond, the agent types a
# name: two thousand <option>s weigh 100 KB and take Django a third of a second to render.
LIST_UP_TO = 60
NAME_MAX_LENGTH = 80
# How many names a "which one?" message suggests.
SUGGESTED = 5


class CommunityFilterField(forms.Field):
    """One community of the commune, or none: a list when the commune has few, a name
    to type otherwise. Both accept the community's id too (the console's links carry it);
    an id outside the commune is an error of code "outside"."""

    def __init__(self, *, empty_label, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.communities: QuerySet[Community] = Community.objects.none()

    def set_communities(self, communities: QuerySet[Community]) -> None:
        self.communities = communities.order_by("name", "pk")
        names = list(self.communities.values_list("pk", "name")[: LIST_UP_TO + 1])
        if len(names) <= LIST_UP_TO:
            self.widget = forms.Select(choices=[("", self.empty_label), *names])
        else:
            self.widget = forms.TextInput(
                attrs={"maxlength": NAME_MAX_LENGTH, "placeholder": gettext("Nom de la communauté")}
            )
        self.widget.is_required = False

    def prepare_value(self, value):
        if isinstance(value, Community):
            value = value.pk
        if isinstance(self.widget, forms.TextInput) and str(value or "").isdigit():
            # An id from a link: the field shows the name.
            return (
                self.communities.filter(pk=int(value)).values_list("name", flat=True).first()
                or value
            )
        return value

    def to_python(self, value) -> Community | None:
        text = str(value or "").strip()[:NAME_MAX_LENGTH]
        if not text:
            return None
        if text.isdigit():
            found = self.communities.filter(pk=int(text)).first()
            if found is None:
                raise forms.ValidationError(
                    gettext("Cette communauté n'est pas dans la commune."), code="outside"
                )
            return found
        exact = list(self.communities.filter(name__iexact=text)[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(self.communities.filter(name__icontains=text)[: SUGGESTED + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                gettext("Aucune communauté de la commune ne porte ce nom."), code="unknown"
            )
        raise forms.ValidationError(
            gettext("Plusieurs communautés correspondent (%(names)s…) : précisez le nom.")
            % {"names": ", ".join(match.name for match in matches[:SUGGESTED])},
            code="several",
        )


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

    communaute = CommunityFilterField(label=_("Communauté"), empty_label=_("Toutes"))
    categorie = forms.ChoiceField(label=_("Catégorie"), required=False)
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communaute"].set_communities(communities)  # type: ignore[attr-defined]
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
