from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.notifications.models import NotificationKind
from monquartier.notifications.preferences import FIXED, modes_of

HELP = {
    NotificationKind.GAZETTE: _("Les nouvelles annonces de la gazette du quartier."),
    NotificationKind.MESSAGE: _("Les messages privés que vos voisins vous écrivent."),
    NotificationKind.JOIN_REQUEST: _(
        "Pour les référents : les demandes d'adhésion et de jumelage, et un rappel chaque jour tant que des demandes d'adhésion attendent."
    ),
    NotificationKind.MOVEMENT: _("Les arrivées et départs de voisins, et la vie de la communauté."),
    NotificationKind.BIRTHDAY: _(
        "Le jour de l'anniversaire d'un voisin qui a donné sa date de naissance."
    ),
    NotificationKind.PLATFORM: _("Les nouvelles de l'équipe MonQuartier."),
    NotificationKind.TOWN_HALL: _(
        "Les annonces de la mairie partenaire (coupures, travaux, événements). Ses alertes urgentes arrivent toujours."
    ),
}


class PreferencesForm(forms.Form):
    alert_sms = forms.BooleanField(
        required=False,
        label=_("Recevoir aussi les alertes par SMS"),
        help_text=_(
            "Le SMS part si vous n'avez pas lu l'alerte sur le site ou l'application dans les 3 minutes. Les e-mails d'alerte arrivent toujours."
        ),
    )

    alert_voice = forms.BooleanField(
        required=False,
        label=_("Recevoir les alertes par appel vocal"),
        help_text=_(
            "Un appel lit l'alerte à voix haute sur votre mobile, en même temps que le SMS. Appuyez sur 2 pour dire que vous l'avez entendue, sur 1 pour la réécouter."
        ),
    )

    def __init__(self, *args, modes: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            if kind in FIXED:
                continue
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=modes_of(kind),
                initial=modes[kind],
                widget=forms.RadioSelect,
                help_text=HELP.get(NotificationKind(kind), ""),
            )

    def modes(self) -> dict[str, str]:
        return {
            kind: value
            for kind, value in self.cleaned_data.items()
            if kind not in ("alert_sms", "alert_voice")
        }
