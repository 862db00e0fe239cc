import re

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from monquartier.alerts.models import AlertCategory
from monquartier.communities.models import Community
from monquartier.townhalls.access import SEEN, UNSEEN

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


# How many communities a list of typed names may hold: more is a district, for which the
# whole commune or the map is the way.
NAMES_UP_TO = 200
NAMES_MAX_LENGTH = NAMES_UP_TO * (NAME_MAX_LENGTH + 2)
# How many names a list may hold that are not a community's exact name: each is then looked
# for as part of a name, one small query each.
PARTIAL_UP_TO = 20
# "Riviera 2 #45": the community 45, for two communities of the same name (the map writes
# it so).
_WITH_ID = re.compile(r"^(?P<name>.*?)\s*#(?P<id>\d{1,12})$")


def is_large(communities: QuerySet[Community]) -> tuple[bool, list[tuple[int, str]]]:
    """Whether a commune has too many communities for a list, and, if not, their ids and
    names in order: one query of at most LIST_UP_TO + 1 rows."""
    names = list(communities.order_by("name", "pk").values_list("pk", "name")[: LIST_UP_TO + 1])
    if len(names) > LIST_UP_TO:
        return True, []
    return False, names


def split_names(text: str) -> list[str]:
    """The names of a typed list, one per line or separated by commas, each once."""
    seen: set[str] = set()
    names = []
    for part in re.split(r"[,;\n]", text or ""):
        name = " ".join(part.split())[: NAME_MAX_LENGTH + 14]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class CommunityNamesField(forms.CharField):
    """Communities of the commune typed by name, one per line or separated by commas: each
    is found like CommunityFilterField finds one (its exact name, or a part of a single
    community's name; an id, or "name #id"). Cleans to the communities, in the order typed;
    every name that matches none or several is said in one message. Exact names are found
    in one query, whatever their number; a part of a name costs one small query."""

    widget = forms.Textarea

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", NAMES_MAX_LENGTH)
        super().__init__(**kwargs)
        self.communities: QuerySet[Community] = Community.objects.none()

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"rows": 3, "autocomplete": "off", "spellcheck": "false"})
        return attrs

    def set_communities(self, communities: QuerySet[Community]) -> None:
        self.communities = communities.order_by("name", "pk")

    def clean(self, value) -> list[Community]:
        text = super().clean(value)
        names = split_names(text)
        if not names:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(names) > NAMES_UP_TO:
            raise forms.ValidationError(
                gettext(
                    "%(count)s noms : c'est %(max)s au plus. Pour plus de communautés, "
                    "choisissez toute la commune."
                )
                % {"count": len(names), "max": NAMES_UP_TO},
                code="too_many",
            )
        wanted: dict[str, int] = {}  # a name as typed -> the id it names, when it gives one
        for name in names:
            found = _WITH_ID.match(name)
            if found:
                wanted[name] = int(found["id"])
            elif name.isdigit() and len(name) <= 12:
                wanted[name] = int(name)
        by_id = {
            community.pk: community
            for community in self.communities.filter(pk__in=set(wanted.values()))
        }
        typed = {name.lower() for name in names if name not in wanted}
        exact: dict[str, list[Community]] = {}
        if typed:
            for community in self.communities.annotate(lowered=Lower("name")).filter(
                lowered__in=typed
            ):
                exact.setdefault(community.name.casefold(), []).append(community)
        chosen: list[Community] = []
        unknown: list[str] = []
        several: list[str] = []
        partial = 0
        for name in names:
            if name in wanted:
                if wanted[name] in by_id:
                    chosen.append(by_id[wanted[name]])
                else:
                    unknown.append(name)
                continue
            matches = exact.get(name.casefold(), [])
            if not matches:
                partial += 1
                if partial > PARTIAL_UP_TO:
                    unknown.append(name)
                    continue
                matches = list(self.communities.filter(name__icontains=name)[: SUGGESTED + 1])
            if len(matches) == 1:
                chosen.append(matches[0])
            elif not matches:
                unknown.append(name)
            else:
                several.append(
                    gettext("« %(name)s » (%(names)s…)")
                    % {
                        "name": name,
                        "names": ", ".join(_named(m, matches) for m in matches[:SUGGESTED]),
                    }
                )
        errors = []
        if unknown:
            errors.append(
                forms.ValidationError(
                    ngettext(
                        "Aucune communauté de la commune ne porte ce nom : %(names)s.",
                        "Aucune communauté de la commune ne porte ces noms : %(names)s.",
                        len(unknown),
                    )
                    % {"names": ", ".join(f"« {name} »" for name in unknown[:SUGGESTED])},
                    code="unknown",
                )
            )
        if several:
            errors.append(
                forms.ValidationError(
                    gettext("Plusieurs communautés correspondent, précisez le nom : %(names)s")
                    % {"names": " ; ".join(several[:SUGGESTED])},
                    code="several",
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        unique = {community.pk: community for community in chosen}
        return list(unique.values())


def _named(community: Community, matches: list[Community]) -> str:
    """A suggestion the agent can type back: the name, and the id when it is shared."""
    shared = sum(match.name.casefold() == community.name.casefold() for match in matches) > 1
    return f"{community.name} #{community.pk}" if shared else community.name


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
    etat = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            ("", _("Toutes")),
            (UNSEEN, _("Pas encore vues par la mairie")),
            (SEEN, _("Vues par la mairie")),
        ],
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
