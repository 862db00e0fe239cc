from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from monquartier.notifications import links, preferences
from monquartier.notifications.links import signed_path
from monquartier.notifications.models import Mode, NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox.models import PushSubscription
from tests import factories


def test_a_link_logs_the_member_into_the_item(client, awa):
    response = client.get(signed_path(awa, "/parametres/"))
    assert response.status_code == 302 and response["Location"] == "/parametres/"
    assert client.get("/parametres/").status_code == 200


@pytest.mark.parametrize("path", ["/alertes/12/", "/gazette/3/?page=2&tri=récent", "/"])
def test_a_link_is_the_token_django_signing_makes(awa, path):
    # links.py signs without building a Signer per link; what it makes must stay what
    # signing.dumps makes, or follow_link's signing.loads would refuse every link.
    with time_machine.travel(timezone.now(), tick=False):
        token = signed_path(awa, path).rstrip("/").rsplit("/", 1)[1]
        state = links._user_state(awa)
        assert token == signing.dumps({"u": awa.pk, "p": path, "s": state}, salt=links._SALT)
    assert signing.loads(token, salt=links._SALT)["p"] == path


def test_a_link_signed_with_another_secret_logs_nobody_in(client, awa):
    with override_settings(SECRET_KEY="une-autre-clé-secrète-" + "x" * 40):
        path = signed_path(awa, "/parametres/")
    assert client.get(path)["Location"].startswith(reverse("account_login"))
    assert client.get(signed_path(awa, "/parametres/"))["Location"] == "/parametres/"


def test_an_expired_link_leads_to_the_login_then_the_item(client, awa):
    path = signed_path(awa, "/alertes/12/")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(path)
    assert response["Location"] == reverse("account_login") + "?next=%2Falertes%2F12%2F"
    assert client.get("/parametres/").status_code == 302  # not logged in


def test_a_tampered_link_logs_nobody_in(client, awa):
    path = signed_path(awa, "/parametres/")
    response = client.get(path[:-3] + "xx/")
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get("/parametres/").status_code == 302


def test_changing_the_password_voids_the_links_already_sent(client, awa):
    path = signed_path(awa, "/parametres/")
    awa.set_password("Un-Nouveau-Mot-De-Passe")
    awa.save()
    assert client.get(path)["Location"].startswith(reverse("account_login"))


def test_staff_never_log_in_by_link(client, mariam):
    assert client.get(signed_path(mariam, "/admin/"))["Location"].startswith(
        reverse("account_login")
    )


def test_a_link_does_not_switch_accounts_on_a_shared_phone(client, awa, yao):
    factories.log_in(client, yao)
    response = client.get(signed_path(awa, "/parametres/"), follow=True)
    assert response.redirect_chain == [("/parametres/", 302)]
    assert response.context["user"] == yao
    assert "envoyé à un autre compte" in response.content.decode()


def test_a_link_logs_in_only_once(client, awa):
    path = signed_path(awa, "/alertes/12/")
    client.get(path)
    # Someone else opens the same link later: a forwarded e-mail, another phone.
    response = Client().get(path)
    assert response["Location"] == reverse("account_login") + "?next=%2Falertes%2F12%2F"
    assert not response.wsgi_request.user.is_authenticated
    # In the browser that used it, it still opens the item.
    assert client.get(path)["Location"] == "/alertes/12/"


def test_a_log_in_with_the_password_voids_the_links_sent_before(client, awa):
    path = signed_path(awa, "/parametres/")
    factories.log_in(Client(), awa)
    assert client.get(path)["Location"].startswith(reverse("account_login"))


def test_a_link_only_goes_to_this_site(client, awa):
    assert client.get(signed_path(awa, "https://ailleurs.example/"))["Location"] == "/"
    assert client.get(signed_path(awa, "//ailleurs.example/"))["Location"] == "/"


def test_defaults_and_choices(awa):
    modes = preferences.all_modes(awa)
    assert modes[NotificationKind.ALERT] == Mode.INSTANT
    assert modes[NotificationKind.GAZETTE] == Mode.DIGEST
    preferences.save_preferences(awa, {NotificationKind.BIRTHDAY: Mode.OFF}, alert_sms=True)
    assert preferences.modes_for([awa.pk], NotificationKind.BIRTHDAY)[awa.pk] == Mode.OFF


def test_the_town_halls_announcements_come_at_once_or_not_at_all(client, awa):
    with pytest.raises(ValidationError) as caught:
        preferences.save_preferences(awa, {NotificationKind.TOWN_HALL: Mode.DIGEST}, alert_sms=True)
    assert NotificationKind.TOWN_HALL in caught.value.error_dict
    preferences.save_preferences(awa, {NotificationKind.TOWN_HALL: Mode.OFF}, alert_sms=True)
    assert preferences.modes_for([awa.pk], NotificationKind.TOWN_HALL)[awa.pk] == Mode.OFF
    factories.log_in(client, awa)
    page = client.get(reverse("notification_settings")).content.decode()
    assert f'name="{NotificationKind.TOWN_HALL}" value="{Mode.DIGEST}"' not in page
    assert f'name="{NotificationKind.TOWN_HALL}" value="{Mode.INSTANT}"' in page


def test_alert_emails_cannot_be_turned_off(awa):
    with pytest.raises(ValidationError):
        preferences.save_preferences(awa, {NotificationKind.ALERT: Mode.OFF}, alert_sms=True)
    assert preferences.modes_for([awa.pk], NotificationKind.ALERT)[awa.pk] == Mode.INSTANT


def test_alert_sms_can_be_turned_off_only_with_push(awa):
    with pytest.raises(ValidationError) as caught:
        preferences.save_preferences(awa, {}, alert_sms=False)
    assert caught.value.error_dict["alert_sms"][0].code == "sms_needs_push"
    PushSubscription.objects.create(
        user=awa, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    preferences.save_preferences(awa, {}, alert_sms=False)
    awa.refresh_from_db()
    assert awa.alert_sms is False


def test_the_settings_page_saves_choices_and_explains_refusals(client, awa):
    factories.log_in(client, awa)
    data = {kind: Mode.DIGEST for kind, _label in NotificationKind.choices if kind != "alert"}
    data[NotificationKind.TOWN_HALL] = Mode.OFF  # at once or not at all
    response = client.post(reverse("notification_settings"), data)  # alert_sms unticked, no push
    assert response.status_code == 200
    assert "activez d'abord les notifications" in " ".join(
        response.context["form"].errors["alert_sms"]
    )
    assert 'id="id_alert_sms_error"' in response.content.decode()
    data["alert_sms"] = "on"
    data[NotificationKind.BIRTHDAY] = Mode.OFF
    assert client.post(reverse("notification_settings"), data).status_code == 302
    assert preferences.modes_for([awa.pk], NotificationKind.BIRTHDAY)[awa.pk] == Mode.OFF
    data[NotificationKind.GAZETTE] = "sometimes"
    assert client.post(reverse("notification_settings"), data).status_code == 200


def test_notify_follows_each_preference(awa, yao, issa):
    preferences.save_preferences(yao, {NotificationKind.MOVEMENT: Mode.INSTANT}, alert_sms=True)
    preferences.save_preferences(issa, {NotificationKind.MOVEMENT: Mode.OFF}, alert_sms=True)
    created = notify(
        [awa, yao, issa], kind=NotificationKind.MOVEMENT, event="arrival", member="Fatou Cissé"
    )
    by_user = {notification.recipient_id: notification for notification in created}
    assert set(by_user) == {awa.pk, yao.pk}
    assert by_user[awa.pk].for_digest and not by_user[yao.pk].for_digest
    assert list(by_user[yao.pk].deliveries.values_list("channel", flat=True)) == ["email"]
    assert not by_user[awa.pk].deliveries.exists()
