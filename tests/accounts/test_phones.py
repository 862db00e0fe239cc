import pytest
from django.core.exceptions import ValidationError
from phonenumber_field.phonenumber import PhoneNumber

from monquartier.accounts.phones import PhoneFormField, format_for_display, parse_phone, to_e164


@pytest.mark.parametrize(
    "typed",
    [
        "0707123456",
        "07 07 12 34 56",
        "07.07.12.34.56",
        "+225 07 07 12 34 56",
        "00225 0707123456",
        "(+225) 07-07-12-34-56",
    ],
)
def test_ivorian_mobile_is_accepted_with_or_without_the_prefix(typed):
    assert to_e164(parse_phone(typed, mobile=True)) == "+2250707123456"


@pytest.mark.parametrize("typed", ["0102030405", "0505050505", "0707070707"])
def test_the_three_mobile_operators_are_accepted(typed):
    assert to_e164(parse_phone(typed, mobile=True)) == "+225" + typed


@pytest.mark.parametrize("typed", ["2722445566", "2122334455", "2522334455"])
def test_landlines_are_accepted_where_any_number_will_do(typed):
    assert to_e164(parse_phone(typed, mobile=False)) == "+225" + typed


def test_a_foreign_mobile_is_accepted_in_international_form():
    assert to_e164(parse_phone("+33 6 12 34 56 78", mobile=True)) == "+33612345678"


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("07070707", "old_format", "10 chiffres"),
        ("+225 07 07 07 07", "old_format", "10 chiffres"),
        ("0807070707", "invalid", "01, 05 ou 07"),
        ("0607070707", "invalid", "01, 05 ou 07"),
        ("2722445566", "not_mobile", "fixe"),
        ("abc", "invalid_characters", "chiffres"),
        ("07 07 12 34 5x", "invalid_characters", "chiffres"),
        ("", "required", "Indiquez"),
        ("+99 123456789", "unparseable", "pas reconnu"),
        ("+1 555 0100", "invalid", "n'existe pas"),
        ("0707", "too_short", "trop court"),
        ("07 07 12 34 5", "too_short", "trop court"),
        ("+225 07 07 12 34 56 7", "too_long", "trop long"),
        ("07071234567890123", "too_long", "trop long"),
    ],
)
def test_a_wrong_mobile_gets_a_message_that_says_what_to_change(typed, code, words):
    with pytest.raises(ValidationError) as caught:
        parse_phone(typed, mobile=True)
    assert caught.value.code == code
    assert words in caught.value.messages[0]


def test_numbers_are_shown_the_way_ivorians_write_them():
    assert format_for_display("+2250707123456") == "07 07 12 34 56"
    assert format_for_display("+2252722445566") == "27 22 44 55 66"
    assert format_for_display("+33612345678") == "+33 6 12 34 56 78"
    assert format_for_display("") == ""


@pytest.mark.parametrize("e164", ["+2250707123456", "+2252722445566", "+33612345678"])
def test_a_number_read_from_the_database_is_shown_as_its_text_would_be(e164):
    # PhoneNumberField hands the parsed number: shown without parsing it again.
    assert format_for_display(PhoneNumber.from_string(e164)) == format_for_display(e164)


def test_the_form_field_cleans_to_e164_and_shows_the_national_form():
    field = PhoneFormField(mobile=True)
    assert field.clean("07 07 12 34 56") == "+2250707123456"
    assert field.prepare_value("+2250707123456") == "07 07 12 34 56"
    with pytest.raises(ValidationError):
        field.clean("12")
