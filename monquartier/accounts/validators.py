"""Rules for what people type about themselves, shared by forms and services."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What turns a name into an advertisement: a scheme, "www." or a usual top-level domain.
_LINK = re.compile(
    r"://|www\.|\.(com|net|org|ci|ly|io|me|info|fr|co|xyz|link|click|app|site|top|biz)\b",
    re.IGNORECASE,
)


def clean_person_name(value: str) -> str:
    """The rule for a person's real name, wherever one is typed (sign-up, settings, a
    neighbour registered by a référent): names travel in e-mails and SMS under our name,
    so no digits (phone numbers, sums of money), no "@" and no link."""
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("Ce champ est obligatoire."), code="required")
    if any(char.isdigit() for char in value) or "@" in value:
        raise ValidationError(_("Un nom ne contient ni chiffres ni « @ »."), code="invalid_name")
    if _LINK.search(value):
        raise ValidationError(_("Un nom ne contient pas de lien."), code="invalid_name")
    return value
