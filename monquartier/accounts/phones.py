"""Phone numbers: Ivorian first, international accepted, always stored in E.164.

Since 31 January 2021 Ivorian numbers have 10 digits: mobiles start with 01 (Moov),
05 (MTN) or 07 (Orange); landlines with 21, 25 or 27. People still type the old
8-digit numbers, with or without +225, 00225, spaces or dots, so the messages below
say what to change rather than only "invalid".
"""

import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType

IVORY_COAST = "CI"
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_SEPARATORS = re.compile(r"[\s.\-/()]")

EXAMPLE_MOBILE = "07 07 12 34 56"


def _too_short() -> ValidationError:
    return ValidationError(
        _("Ce numéro est trop court : un numéro ivoirien a 10 chiffres, par exemple %(example)s.")
        % {"example": EXAMPLE_MOBILE},
        code="too_short",
    )


def _too_long() -> ValidationError:
    return ValidationError(
        _("Ce numéro est trop long : un numéro ivoirien a 10 chiffres, par exemple %(example)s.")
        % {"example": EXAMPLE_MOBILE},
        code="too_long",
    )


def parse_phone(raw: str, *, mobile: bool) -> phonenumbers.PhoneNumber:
    """Parse what a person typed into a number, or raise ValidationError saying why not.

    With mobile=True the number must be able to receive SMS.
    """
    cleaned = _SEPARATORS.sub("", raw or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not cleaned:
        raise ValidationError(_("Indiquez un numéro de téléphone."), code="required")
    if not re.fullmatch(r"\+?\d+", cleaned):
        raise ValidationError(
            _("Un numéro de téléphone ne contient que des chiffres, par exemple %(example)s.")
            % {"example": EXAMPLE_MOBILE},
            code="invalid_characters",
        )
    if len(cleaned.lstrip("+")) < 6:
        raise _too_short()
    if len(cleaned.lstrip("+")) > 15:  # the most E.164 allows, country code included
        raise _too_long()
    try:
        number = phonenumbers.parse(cleaned, IVORY_COAST)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Ce numéro n'est pas reconnu. Exemple : %(example)s ou +225 %(example)s.")
            % {"example": EXAMPLE_MOBILE},
            code="unparseable",
        ) from None
    ivorian = number.country_code == 225
    national = phonenumbers.national_significant_number(number)
    if ivorian and len(national) == 8:
        raise ValidationError(
            _(
                "Depuis 2021, les numéros ivoiriens ont 10 chiffres : ajoutez le préfixe "
                "de votre opérateur (01 Moov, 05 MTN, 07 Orange) devant votre ancien numéro."
            ),
            code="old_format",
        )
    if ivorian and len(national) < 10:
        raise _too_short()
    if ivorian and len(national) > 10:
        raise _too_long()
    if not phonenumbers.is_valid_number(number):
        if ivorian:
            message = _(
                "Ce numéro ivoirien n'existe pas : un mobile commence par 01, 05 ou 07, "
                "un fixe par 21, 25 ou 27, et tous ont 10 chiffres."
            )
        else:
            message = _(
                "Ce numéro n'existe pas. Pour un numéro étranger, commencez par + et "
                "l'indicatif du pays."
            )
        raise ValidationError(message, code="invalid")
    if mobile and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(
            _(
                "C'est un numéro de fixe, qui ne reçoit pas de SMS : indiquez un mobile "
                "(01, 05 ou 07)."
            ),
            code="not_mobile",
        )
    return number


def is_ivorian(e164: object) -> bool:
    """A number of Côte d'Ivoire, the only country we pay SMS to on our own initiative
    (replies to strangers, a neighbour's registration)."""
    return str(e164 or "").startswith("+225")


def to_e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_for_display(e164: object) -> str:
    """'+2250707123456' -> '07 07 12 34 56'; foreign numbers in international format."""
    if isinstance(e164, phonenumbers.PhoneNumber) and e164.country_code:
        # A model's PhoneNumberField value, parsed when it was read: turning it back into
        # text and parsing it again cost a directory page 60 parses.
        number = e164
    else:
        text = str(e164 or "")
        if not text:
            return ""
        try:
            number = phonenumbers.parse(text, IVORY_COAST)
        except phonenumbers.NumberParseException:
            return text
    digits = phonenumbers.national_significant_number(number)
    if number.country_code == 225 and len(digits) == 10:
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneFormField(forms.CharField):
    """A text box for a phone number that cleans to an E.164 string."""

    def __init__(self, *, mobile: bool = True, **kwargs):
        self.mobile = mobile
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        return to_e164(parse_phone(value, mobile=self.mobile))

    def prepare_value(self, value):
        # Show a stored E.164 number the way people write it.
        if isinstance(value, str) and value.startswith("+"):
            return format_for_display(value)
        if value and not isinstance(value, str):
            return format_for_display(value)
        return value
