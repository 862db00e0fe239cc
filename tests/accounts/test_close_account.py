from allauth.account.models import EmailAddress
from django.urls import reverse

from monquartier.accounts.models import Home, Profile, User
from tests import factories

CLOSE = reverse("accounts:close")


def test_closing_erases_personal_data_and_keeps_a_former_member_row(
    awa_client, awa, django_capture_on_commit_callbacks
):
    awa_client.post(reverse("accounts:upload_photo"), {"photo": factories.uploaded_image()})
    profile = Profile.objects.get(user=awa)
    profile.birth_date = "1990-01-01"
    profile.housing_notes = "Portail bleu"
    profile.save()
    photo = profile.photo
    storage, photo_name = photo.storage, photo.name

    with django_capture_on_commit_callbacks(execute=True):
        response = awa_client.post(CLOSE, {"password": factories.PASSWORD, "confirm": "on"})
    assert response.status_code == 302

    former = User.objects.get(pk=awa.pk)
    assert former.is_closed and not former.is_active
    assert (former.email, former.first_name, former.last_name, former.pseudonym) == (
        None,
        "",
        "",
        "",
    )
    assert not former.mobile and not former.landline
    assert not former.has_usable_password()
    assert former.full_name == former.public_name == "Ancien membre"
    assert not Home.objects.filter(user=former).exists()
    assert not EmailAddress.objects.filter(user=former).exists()
    fresh_profile = Profile.objects.get(user=former)
    assert fresh_profile.birth_date is None and fresh_profile.housing_notes == ""
    assert not storage.exists(photo_name)
    # Logged out, and the address is free for a new account.
    assert awa_client.get(reverse("accounts:settings")).status_code == 302
    factories.make_user("Awa", "Koné", email="awa.kone@exemple.ci")


def test_a_closed_account_cannot_log_in(client, awa):
    factories.log_in(client, awa)
    client.post(CLOSE, {"password": factories.PASSWORD, "confirm": "on"})
    response = client.post(
        reverse("account_login"), {"login": "awa.kone@exemple.ci", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_closing_needs_the_password_and_the_confirmation(awa_client, awa):
    response = awa_client.post(CLOSE, {"password": "pas-le-bon", "confirm": "on"})
    assert response.status_code == 200
    assert "pas le bon" in response.content.decode()
    response = awa_client.post(CLOSE, {"password": factories.PASSWORD})
    assert response.context["form"].errors["confirm"]
    assert User.objects.get(pk=awa.pk).is_closed is False
