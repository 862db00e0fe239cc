import pytest
from django.urls import reverse

from monquartier.accounts.models import Home, User
from tests import factories


def test_identity_change_sets_pseudonym_and_language(awa_client, awa):
    response = awa_client.post(
        reverse("accounts:identity"),
        {
            "first_name": "Awa",
            "last_name": "Koné",
            "pseudonym": "Maman Awa",
            "language": "en",
            "newsletter": "on",
        },
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    awa.refresh_from_db()
    assert (awa.pseudonym, awa.language, awa.newsletter) == ("Maman Awa", "en", True)
    assert awa.public_name == "Maman Awa"


def test_the_language_cookie_of_the_identity_page_has_the_production_flags(awa_client, settings):
    # As in production (settings.py); the switcher's cookie is probed in tests/security.
    settings.LANGUAGE_COOKIE_SECURE = True
    data = {"first_name": "Awa", "last_name": "Koné", "pseudonym": "", "language": "en"}
    cookie = awa_client.post(reverse("accounts:identity"), data).cookies["django_language"]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", ""),
        ("last_name", "  "),
        ("first_name", "Awa2"),
        ("pseudonym", "awa@exemple.ci"),
        ("pseudonym", "1234"),
        ("language", "de"),
    ],
)
def test_bad_identity_input_changes_nothing(awa_client, awa, field, value):
    data = {"first_name": "Awa", "last_name": "Koné", "pseudonym": "", "language": "fr"}
    data[field] = value
    response = awa_client.post(reverse("accounts:identity"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    fresh = User.objects.get(pk=awa.pk)
    assert (fresh.first_name, fresh.last_name, fresh.pseudonym) == ("Awa", "Koné", "")


def test_public_name_is_pseudonym_else_first_name_and_initial(db):
    user = factories.make_user("Awa", "Koné")
    assert user.public_name == "Awa K."
    user.pseudonym = "Maman Awa"
    assert user.public_name == "Maman Awa"


def test_landline_and_directory_choices(awa_client, awa):
    response = awa_client.post(
        reverse("accounts:phones"), {"landline": "27 22 44 55 66", "hide_mobile": "on"}
    )
    assert response.status_code == 302
    awa.refresh_from_db()
    assert str(awa.landline) == "+2252722445566"
    assert (awa.hide_mobile, awa.hide_landline) == (True, False)


def test_a_wrong_landline_is_refused(awa_client, awa):
    response = awa_client.post(reverse("accounts:phones"), {"landline": "2722"})
    assert response.status_code == 200
    assert response.context["form"].errors["landline"]
    awa.refresh_from_db()
    assert not awa.landline


def test_changing_the_mobile_sends_a_code_and_marks_it_verified_only_after(
    awa_client, awa, sms_outbox
):
    response = awa_client.post(reverse("account_change_phone"), {"phone": "05 05 12 34 56"})
    assert response.status_code == 302
    assert sms_outbox[-1].to == "+2250505123456"
    code = sms_outbox[-1].text.split("est ")[1][:6]
    old_mobile = str(awa.mobile)
    awa.refresh_from_db()
    # Until the code is confirmed, alerts keep going to the verified number.
    assert (str(awa.mobile), awa.mobile_verified) == (old_mobile, True)
    awa_client.post(reverse("account_verify_phone"), {"action": "verify", "code": code})
    awa.refresh_from_db()
    assert (str(awa.mobile), awa.mobile_verified) == ("+2250505123456", True)


def test_an_unverified_mobile_is_flagged_and_can_get_a_new_code(client, db, sms_outbox):
    user = factories.make_user("Koffi", "Yao", mobile="+2250707000001", mobile_verified=False)
    factories.log_in(client, user)
    home = client.get(reverse("home")).content.decode()
    assert "pas vérifié" in home
    settings_page = client.get(reverse("accounts:phones")).content.decode()
    assert "non vérifié" in settings_page
    client.post(reverse("account_change_phone"), {"action": "verify"})
    assert sms_outbox[-1].to == "+2250707000001"


def test_home_address_with_a_pin(awa_client, awa):
    response = awa_client.post(
        reverse("accounts:home"),
        {
            "commune": factories.commune("marcory").pk,
            "quartier": "Zone 4",
            "address_details": "Rue du Dr Blanchard, villa 12",
            "landmark": "derrière la boulangerie",
            "latitude": "5.2885",
            "longitude": "-3.9905",
        },
    )
    assert response.status_code == 302
    home = Home.objects.get(user=awa)
    assert (home.commune.slug, home.quartier, home.latitude) == ("marcory", "Zone 4", 5.2885)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", ""),
        ("latitude", "95"),
        ("longitude", "-200"),
        ("latitude", "nord"),
        ("commune", "999999"),
        ("quartier", ""),
    ],
)
def test_a_bad_home_changes_nothing(awa_client, awa, field, value):
    data = {
        "commune": factories.commune("marcory").pk,
        "quartier": "Zone 4",
        "latitude": "5.2885",
        "longitude": "-3.9905",
    }
    data[field] = value
    response = awa_client.post(reverse("accounts:home"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Home.objects.get(user=awa).commune.slug == "cocody"


def test_the_address_page_works_without_tiles(awa_client):
    page = awa_client.get(reverse("accounts:home")).content.decode()
    assert 'id="pin-map"' in page
    assert 'name="latitude"' in page and 'name="longitude"' in page  # typed by hand if need be
    assert "leaflet/leaflet.js" in page
    assert 'id="commune-centres"' in page


def test_a_new_member_without_a_home_is_asked_for_it(client, db):
    user = factories.make_user("Fatou", "Touré")
    factories.log_in(client, user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("accounts:home") in page
