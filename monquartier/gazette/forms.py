from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from monquartier.gazette.models import PostCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class PostForm(forms.Form):
    category = forms.ChoiceField(label=_("Rubrique"), choices=PostCategory.choices)
    title = forms.CharField(label=_("Titre"), max_length=120)
    text = forms.CharField(
        label=_("Texte"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    # The metaclass moves declared fields to base_fields: form.files stays the uploads.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Photos ou documents PDF (facultatif)"),
        required=False,
        help_text=_("6 fichiers au plus. Photos de 10 Mo au plus, PDF de 5 Mo au plus."),
    )


class EditPostForm(PostForm):
    remove = forms.TypedMultipleChoiceField(
        label=_("Retirer des pièces jointes"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["remove"]).choices = [
            (attachment.pk, attachment.original_name) for attachment in attachments
        ]
        if not attachments:
            del self.fields["remove"]


class HidePostForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300)
