from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import Home, Profile, User
from monquartier.communities.models import Community
from monquartier.notifications.events import describe
from monquartier.notifications.models import Notification
from monquartier.townhalls.models import TownHallContact
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


def test_the_last_member_is_told_before_closing_that_the_community_will_be_deleted(
    client, awa, yao
):
    alone = factories.make_community(awa, name="Riviera 2")
    factories.log_in(client, awa)
    assert "cette communauté est supprimée" in client.get(CLOSE).content.decode()
    factories.add_member(alone, yao)
    assert "cette communauté est supprimée" not in client.get(CLOSE).content.decode()


def test_when_the_last_member_closes_the_account_staff_and_the_town_hall_are_told(
    awa_client, awa, mariam
):
    community = factories.make_community(awa, name="Riviera 2")
    TownHallContact.objects.create(
        commune=community.commune, name="Service technique", email="technique@mairie-cocody.ci"
    )
    mail.outbox.clear()

    awa_client.post(CLOSE, {"password": factories.PASSWORD, "confirm": "on"})

    assert not Community.objects.filter(pk=community.pk).exists()
    told = Notification.objects.get(recipient=mariam, event="community_deleted")
    assert told.data == {"community_name": "Riviera 2", "commune": "Cocody"}
    subject, line = describe(told)
    assert subject == "Communauté supprimée : « Riviera 2 »"
    assert "(Cocody) n'a plus de membre" in line
    (town_hall,) = [
        message for message in mail.outbox if message.to == ["technique@mairie-cocody.ci"]
    ]
    assert town_hall.subject == "MonQuartier : la communauté « Riviera 2 » est supprimée"
    assert "de votre commune (Cocody) n'a plus de membre" in town_hall.body


def test_the_session_hash_of_an_account_is_djangos_until_its_sessions_are_ended(db):
    user = factories.make_user("Nina", "Aka")
    assert user.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(user)
    user.sessions_ended_at = timezone.now()
    assert user.get_session_auth_hash() != AbstractBaseUser.get_session_auth_hash(user)
