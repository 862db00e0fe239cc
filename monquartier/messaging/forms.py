from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.messaging import services


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": services.TEXT_MAX}),
        help_text=_("2 000 caractères au plus. Un message ne peut être ni modifié ni supprimé."),
        error_messages={"required": _("Écrivez votre message.")},
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label

    def clean_text(self) -> str:
        return services.clean_text(self.cleaned_data["text"])
