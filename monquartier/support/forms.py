"""The contact form, one per subject, and the desk's forms.

Each subject asks for what the team needs to act on it (KIND_FIELDS); the fields of the
other subjects are not on the page. Everything is checked here, on the server.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.models import User
from monquartier.support.models import BODY_MAX, TicketKind, TicketStatus

BODY_MIN = 10
FACT_MAX = 200

# kind -> [(field, required)], in the order of the page.
KIND_FIELDS: dict[str, list[tuple[str, bool]]] = {
    TicketKind.QUESTION: [],
    TicketKind.IDENTITY_THEFT: [
        ("impersonated_name", True),
        ("community_name", True),
        ("profile_link", False),
    ],
    TicketKind.UNANSWERED_JOIN: [("community_name", True)],
    TicketKind.RURAL_AREA: [("community_name", True), ("area_needed", True)],
    TicketKind.OVERLAP: [("community_name", True), ("other_community_name", True)],
    TicketKind.MERGE: [
        ("community_name", True),
        ("other_community_name", True),
        ("referents_agree", True),
    ],
    TicketKind.COMMUNE_NAME: [("wrong_name", True), ("correct_name", True)],
    TicketKind.TOWN_HALL: [("town_hall_name", True), ("contact_role", True)],
    TicketKind.OTHER: [],
}

FACT_FIELDS = sorted({name for fields in KIND_FIELDS.values() for name, _required in fields})


def fact_label(name: str) -> str:
    """The label of a fact kept on a ticket, for the pages that show it."""
    field = ContactForm.base_fields.get(name)
    return str(field.label) if field is not None else name


def _fact(label, help_text="", **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, max_length=FACT_MAX, required=False, **kwargs
    )


class ContactForm(forms.Form):
    impersonated_name = _fact(
        _("Le nom ou le pseudonyme affiché par le faux compte"),
        _("Tel qu'il apparaît dans l'annuaire ou sur une alerte."),
    )
    community_name = _fact(_("La communauté concernée"), _("Son nom, et sa commune si possible."))
    profile_link = forms.URLField(
        label=_("Le lien vers la fiche du faux compte (facultatif)"),
        help_text=_(
            "Ouvrez sa fiche dans l'annuaire, copiez l'adresse de la page et collez-la ici."
        ),
        max_length=300,
        required=False,
        assume_scheme="https",
    )
    area_needed = _fact(
        _("La zone qu'il faudrait couvrir"),
        _("Par exemple : le village et ses campements, environ 4 km sur 3."),
    )
    other_community_name = _fact(_("L'autre communauté"))
    referents_agree = forms.BooleanField(
        label=_("Les référents des deux communautés sont d'accord pour fusionner"),
        required=False,
    )
    wrong_name = _fact(_("Le nom affiché aujourd'hui"))
    correct_name = _fact(_("Le bon nom"))
    town_hall_name = _fact(_("La mairie"), _("Par exemple : Mairie de Bingerville."))
    contact_role = _fact(_("Votre fonction à la mairie"))
    body = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX,
        min_length=BODY_MIN,
        error_messages={
            "min_length": _(
                "Expliquez-nous en quelques mots (%(limit_value)d caractères au moins)."
            ),
            "max_length": _(
                "Votre message fait %(show_value)d caractères : %(limit_value)d au plus, "
                "merci de le raccourcir."
            ),
        },
    )
    attachment = forms.FileField(
        label=_("Une photo ou un PDF (facultatif)"),
        help_text=_("Une capture d'écran par exemple. 5 Mo au plus."),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )
    # Visitors only.
    visitor_name = forms.CharField(
        label=_("Votre nom"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    visitor_email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    visitor_phone = forms.CharField(
        label=_("Ou votre téléphone"),
        help_text=_("Si vous n'avez pas d'adresse e-mail : nous vous rappellerons."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    # A field people never see: bots fill every field they find.
    website = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, kind: str, visitor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.visitor = visitor
        wanted = dict(KIND_FIELDS[kind])
        for name in FACT_FIELDS:
            if name not in wanted:
                del self.fields[name]
        for name, required in wanted.items():
            self.fields[name].required = required
        if visitor:
            self.fields["visitor_name"].required = True
        else:
            for name in ("visitor_name", "visitor_email", "visitor_phone"):
                del self.fields[name]
        if kind == TicketKind.MERGE:
            self.fields["referents_agree"].error_messages["required"] = _(
                "Une fusion se fait avec l'accord des référents des deux communautés : "
                "parlez-en d'abord avec eux."
            )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def fact_fields(self) -> list:
        return [self[name] for name, _required in KIND_FIELDS[self.kind]]

    def clean_visitor_phone(self) -> str:
        phone = " ".join(self.cleaned_data.get("visitor_phone", "").split())
        if phone and not all(char.isdigit() or char in "+ .-" for char in phone):
            raise ValidationError(_("Un numéro de téléphone ne contient que des chiffres."))
        if phone and sum(char.isdigit() for char in phone) < 8:
            raise ValidationError(_("Ce numéro est trop court."))
        return phone

    def clean(self):
        data = super().clean() or {}
        no_contact = not (data.get("visitor_email") or data.get("visitor_phone"))
        typed_wrong = "visitor_email" in self.errors or "visitor_phone" in self.errors
        if self.visitor and no_contact and not typed_wrong:
            self.add_error(
                "visitor_email",
                _(
                    "Donnez une adresse e-mail ou un téléphone, pour que nous puissions vous répondre."
                ),
            )
        return data

    def facts(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name, _required in KIND_FIELDS[self.kind]
            if self.cleaned_data.get(name) not in (None, "", False)
        }


class RequesterMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=BODY_MAX,
        error_messages=ContactForm.base_fields["body"].error_messages,
    )
    attachment = forms.FileField(
        label=_("Une photo ou un PDF (facultatif)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
        ),
    )


class StaffMessageForm(forms.Form):
    REPLY, NOTE = "reply", "note"
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (REPLY, _("Réponse au demandeur (envoyée par e-mail)")),
            (NOTE, _("Note interne (jamais montrée au demandeur)")),
        ],
        widget=forms.RadioSelect,
        initial=REPLY,
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=BODY_MAX,
        error_messages=ContactForm.base_fields["body"].error_messages,
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Suivie par"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("first_name"),
        required=False,
        empty_label=_("personne"),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=TicketStatus.choices)


class AccountActionForm(forms.Form):
    """Identity theft: the account staff act on, and why (kept in the audit log)."""

    account = forms.CharField(
        label=_("Compte usurpateur : son adresse e-mail ou son numéro de compte"),
        max_length=254,
        required=False,
    )
    reason = forms.CharField(
        label=_("Motif (gardé dans le journal d'audit)"), max_length=500, min_length=5
    )

    def clean_account(self):
        value = self.cleaned_data["account"].strip()
        if not value:
            return None
        if value.isdigit():
            account = User.objects.filter(pk=int(value)).first() if len(value) < 19 else None
        else:
            account = User.objects.filter(email__iexact=value).first()
        if account is None:
            raise ValidationError(_("Aucun compte ne correspond."))
        return account


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("à traiter")), ("all", _("tous")), *TicketStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Sujet"), required=False, choices=[("", _("tous")), *TicketKind.choices]
    )
    assignee = forms.ChoiceField(
        label=_("Suivie par"),
        required=False,
        choices=[("", _("tout le monde")), ("me", _("moi")), ("none", _("personne"))],
    )
