"""The users' phone numbers are parsed when read, not when a row is loaded
(monquartier/accounts/fields.py), and read exactly as before."""

from unittest import mock

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from monquartier.accounts import fields
from monquartier.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_loading_users_parses_no_number_until_one_is_read():
    factories.make_user("Awa", mobile="+2250707123456", landline="+2252722445566")
    factories.make_user("Yao", mobile="+2250505123456")
    with mock.patch.object(fields, "to_python", wraps=fields.to_python) as parse:
        users = list(User.objects.order_by("first_name"))
        assert parse.call_count == 0
        awa = users[0]
        assert isinstance(awa.mobile, PhoneNumber)
        assert awa.mobile.as_e164 == "+2250707123456"
        assert awa.mobile is awa.mobile  # parsed once, then kept
        assert parse.call_count == 1
        assert awa.landline.as_e164 == "+2252722445566"
        assert parse.call_count == 2


def test_a_number_reads_as_the_original_field_read_it():
    awa = factories.make_user("Awa", mobile="+2250707123456")
    loaded = User.objects.get(pk=awa.pk)
    assert loaded.mobile == PhoneNumber.from_string("+2250707123456")
    assert str(loaded.mobile) == "+2250707123456"
    assert loaded.mobile_display == awa.mobile_display
    assert loaded.landline == ""  # empty stays empty, as before


def test_a_number_typed_locally_is_parsed_in_the_default_region_and_saved_in_e164():
    awa = factories.make_user("Awa")
    awa.mobile = "07 07 12 34 56"
    assert awa.mobile.as_e164 == "+2250707123456"
    awa.save(update_fields=["mobile"])
    assert User.objects.filter(mobile="+2250707123456").get() == awa


def test_a_deferred_number_is_loaded_when_read():
    awa = factories.make_user("Awa", mobile="+2250707123456")
    loaded = User.objects.defer("mobile").get(pk=awa.pk)
    assert loaded.mobile.as_e164 == "+2250707123456"


def test_values_give_the_stored_text():
    factories.make_user("Awa", mobile="+2250707123456")
    assert list(User.objects.values_list("mobile", flat=True)) == ["+2250707123456"]


def test_an_invalid_stored_number_reads_as_its_raw_text_as_before():
    awa = factories.make_user("Awa")
    User.objects.filter(pk=awa.pk).update(landline="12")
    loaded = User.objects.get(pk=awa.pk)
    assert isinstance(loaded.landline, PhoneNumber)
    assert not loaded.landline.is_valid()
    assert loaded.landline.raw_input == "12"
