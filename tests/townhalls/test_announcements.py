"""Town-hall messages to residents: the preview's counts, the refusals, the fan-out's rows,
the e-mail and SMS they become, and where members see them."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from monquartier.notifications.models import Mode, NotificationKind, NotificationPreference
from monquartier.outbox.models import Delivery, PushSubscription
from monquartier.townhalls import announcements, demo, fanout
from monquartier.townhalls.models import Announcement
from monquartier.townhalls.outbox import announcement_push_payload, announcement_sms_text
from tests import factories

pytestmark = pytest.mark.django_db

WATER_CUT = "Coupure d'eau dimanche de 8 h à 18 h pour travaux sur la conduite principale."


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def yopougon_community(issa):
    return factories.make_community(
        issa, name="Niangon Nord", centre=(5.3265, -4.1060), commune_slug="yopougon"
    )


def subscribe(user):
    PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k", auth="a"
    )


def switch_off(user):
    NotificationPreference.objects.create(user=user, kind=NotificationKind.TOWN_HALL, mode=Mode.OFF)


def send(agent, town_hall, communities, **fields):
    fields.setdefault("urgent", False)
    fields.setdefault("category", "water_cut")
    fields.setdefault("text", WATER_CUT)
    return announcements.send_announcement(
        agent, town_hall, community_ids=[community.pk for community in communities], **fields
    )


def rows(announcement):
    return {
        (delivery.user.first_name, delivery.channel, delivery.address != "")
        for delivery in Delivery.objects.filter(announcement=announcement).select_related("user")
    }


def form_data(communities, **fields):
    data = {
        "kind": "announcement",
        "category": "water_cut",
        "text": WATER_CUT,
        "place": "",
        "starts_at": "",
        "ends_at": "",
        "communities": [community.pk for community in communities],
    }
    return data | fields


# The preview.


def test_the_preview_counts_push_email_and_sms_for_urgent_only(
    client, aicha, cocody_town_hall, riviera, riviera3, awa, yao, aya
):
    subscribe(yao)
    aya.mobile_verified = False
    aya.save()
    switch_off(awa)
    plain = announcements.reach([riviera.pk, riviera3.pk], urgent=False)
    # Awa switched announcements off; Yao, Koffi and Aya remain; only Yao has a device.
    assert (plain.members, plain.push, plain.email, plain.sms) == (3, 1, 3, 0)
    urgent = announcements.reach([riviera.pk, riviera3.pk], urgent=True)
    # Urgent: Awa too; SMS to the verified mobiles (not Aya's).
    assert (urgent.members, urgent.push, urgent.email, urgent.sms) == (4, 1, 4, 3)

    factories.log_in(client, aicha)
    url = reverse("townhalls:new_announcement")
    form_page = client.get(url)
    assert form_page.status_code == 200
    # A checkbox per community, and the same communities on the map that ticks them: its
    # areas, with the ids of the boxes, read from the console's map (not from the page).
    page = form_page.content.decode()
    assert f'name="communities" value="{riviera.pk}"' in page
    map_url = reverse("townhalls:console_map")
    assert f'data-context-url="{map_url}"' in page and "js/announce-map.js" in page
    assert {area["id"] for area in client.get(map_url).json()["areas"]} == {
        riviera.pk,
        riviera3.pk,
    }
    response = client.post(url, form_data([riviera, riviera3], kind="urgent"))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["draft"].reach == urgent
    assert "il en reste 2" in page and "000 ce mois-ci" in page
    assert "Confirmer l'envoi" in page
    edit = client.post(url, form_data([riviera, riviera3], kind="urgent", edit=""))
    assert edit.status_code == 200 and "townhalls/announce_form.html" in [
        template.name for template in edit.templates
    ]
    assert "pour travaux sur la conduite principale" in edit.content.decode()
    assert not Announcement.objects.exists()  # the preview sends nothing


def test_confirming_sends_once_and_the_console_lists_it_with_its_reach(
    client,
    aicha,
    cocody_town_hall,
    riviera,
    riviera3,
    yao,
    run_tasks,
    django_assert_max_num_queries,
):
    factories.log_in(client, aicha)
    url = reverse("townhalls:new_announcement")
    data = form_data([], everywhere="True", confirm="")
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == reverse("townhalls:announcements")
    announcement = Announcement.objects.get()
    assert set(announcement.communities.all()) == {riviera, riviera3}
    assert announcement.sent_by == aicha and not announcement.urgent
    run_tasks()
    announcement.refresh_from_db()
    assert announcement.fanned_out_at is not None and announcement.sms_count == 0
    list_url = reverse("townhalls:announcements")
    page = client.get(list_url).content.decode()
    # Awa, Yao and Koffi have an e-mail, none a device.
    assert "Toute la commune" in page and "0 push · 3 e-mails · 0 SMS" in page
    for index in range(3):
        other = factories.make_community(
            factories.make_user(f"Ref{index}", "Test"),
            name=f"Angré {index}",
            centre=(5.40 + index * 0.01, -3.99),
        )
        send(
            aicha, cocody_town_hall, [other, riviera], text=f"Travaux {index}", category="roadworks"
        )
    run_tasks()
    with django_assert_max_num_queries(9):
        response = client.get(list_url)
    page = response.content.decode()
    assert page.index("Travaux 2") < page.index("Travaux 0") < page.index("Coupure d")
    assert "Angré 0, Riviera 2" in page


# Refusals: a message, and nothing sent.


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"text": "   "}, "text", "Écrivez le texte"),
        (
            {
                "starts_at": timezone.now() + timedelta(days=2),
                "ends_at": timezone.now() + timedelta(days=1),
            },
            "ends_at",
            "finir après son début",
        ),
        ({"category": "party"}, "category", "catégorie"),
    ],
)
def test_bad_announcements_are_refused(
    dummy_tasks, aicha, cocody_town_hall, riviera, fields, field, message
):
    with pytest.raises(ValidationError) as caught:
        send(aicha, cocody_town_hall, [riviera], **fields)
    assert message in " ".join(caught.value.message_dict[field])
    assert not Announcement.objects.exists() and not Delivery.objects.exists()


def test_no_community_or_one_outside_the_commune_is_refused(
    dummy_tasks, aicha, cocody_town_hall, riviera, yopougon_community
):
    with pytest.raises(ValidationError) as caught:
        send(aicha, cocody_town_hall, [])
    assert "au moins une communauté" in caught.value.message_dict["communities"][0]
    with pytest.raises(ValidationError) as caught:
        send(aicha, cocody_town_hall, [riviera, yopougon_community])
    assert "pas dans la commune" in caught.value.message_dict["communities"][0]
    assert not Announcement.objects.exists()


def test_the_form_refuses_with_messages_and_a_400(
    client, aicha, cocody_town_hall, riviera, yopougon_community
):
    factories.log_in(client, aicha)
    url = reverse("townhalls:new_announcement")
    response = client.post(url, form_data([], confirm=""))
    assert response.status_code == 400
    assert "au moins une communauté" in response.content.decode()
    response = client.post(url, form_data([yopougon_community], confirm=""))
    assert response.status_code == 400
    response = client.post(
        url,
        form_data([riviera], starts_at="2026-12-05T10:00", ends_at="2026-12-04T10:00", confirm=""),
    )
    assert response.status_code == 400
    assert "finir après son début" in response.content.decode()
    response = client.post(url, form_data([riviera], text="", confirm=""))
    assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_an_urgent_alert_beyond_the_monthly_sms_quota_is_refused(
    dummy_tasks, aicha, cocody_town_hall, riviera, riviera3, aya
):
    cocody_town_hall.sms_quota_per_month = 4
    cocody_town_hall.save()
    send(aicha, cocody_town_hall, [riviera], urgent=True, category="weather", text="Orage")
    assert announcements.sms_remaining(cocody_town_hall) == 2  # Awa and Yao
    # Last month's SMS do not count.
    old = send(aicha, cocody_town_hall, [riviera3], urgent=True, category="weather", text="Vent")
    Announcement.objects.filter(pk=old.pk).update(
        created_at=announcements.month_start() - timedelta(days=1)
    )
    assert announcements.sms_remaining(cocody_town_hall) == 2
    # Riviera 2 and 3 need 4 SMS: refused; a plain announcement still goes.
    with pytest.raises(ValidationError) as caught:
        send(aicha, cocody_town_hall, [riviera, riviera3], urgent=True, text="Orage violent")
    assert "demande 4 SMS, il en reste 2" in caught.value.messages[0]
    assert Announcement.objects.count() == 2
    assert send(aicha, cocody_town_hall, [riviera, riviera3], text="Orage violent").pk


def test_a_flood_of_announcements_is_refused(
    dummy_tasks, settings, aicha, cocody_town_hall, riviera
):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "town_hall_announcement": (2, 3600)}
    send(aicha, cocody_town_hall, [riviera])
    send(aicha, cocody_town_hall, [riviera])
    colleague = factories.make_agent(cocody_town_hall, "Yves", "Gnagne")
    with pytest.raises(ValidationError) as caught:
        send(colleague, cocody_town_hall, [riviera])
    assert caught.value.code == "flood"
    assert Announcement.objects.count() == 2


def test_an_agent_of_yopougon_cannot_send_to_cocody(client, cocody_town_hall, riviera, yao):
    yopougon = factories.make_town_hall("yopougon")
    agent = factories.make_agent(yopougon, "Koné", "Mamadou")
    with pytest.raises(ValidationError):
        send(agent, yopougon, [riviera])
    with pytest.raises(PermissionDenied):
        send(agent, cocody_town_hall, [riviera])
    factories.log_in(client, agent)
    response = client.post(reverse("townhalls:new_announcement"), form_data([riviera], confirm=""))
    assert response.status_code == 400
    assert not Announcement.objects.exists()


def test_members_and_ended_partnerships_cannot_send(
    client, dummy_tasks, aicha, cocody_town_hall, riviera, awa
):
    with pytest.raises(PermissionDenied):
        send(awa, cocody_town_hall, [riviera])
    factories.log_in(client, awa)
    assert client.get(reverse("townhalls:new_announcement")).status_code == 404
    assert client.get(reverse("townhalls:announcements")).status_code == 404
    cocody_town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    cocody_town_hall.save()
    with pytest.raises(PermissionDenied):
        send(aicha, cocody_town_hall, [riviera])
    factories.log_in(client, aicha)
    assert client.get(reverse("townhalls:new_announcement")).status_code == 403


# The fan-out.


def test_the_fan_out_sends_push_and_email_and_skips_members_who_switched_it_off(
    dummy_tasks, aicha, cocody_town_hall, riviera, riviera3, awa, yao, aya
):
    subscribe(yao)
    switch_off(aya)
    announcement = send(aicha, cocody_town_hall, [riviera, riviera3])
    assert fanout.fan_out_announcement(announcement) == 4
    assert rows(announcement) == {
        ("Awa", "email", True),
        ("Yao", "email", True),
        ("Yao", "push", False),
        ("Koffi", "email", True),
    }
    announcement.refresh_from_db()
    assert announcement.fanned_out_at is not None and announcement.sms_count == 0


def test_an_urgent_alert_also_goes_by_sms_and_ignores_the_preference(
    dummy_tasks, aicha, cocody_town_hall, riviera, awa, yao
):
    switch_off(yao)
    awa.alert_sms = False
    awa.save()
    unverified = factories.add_member(riviera, first_name="Ange", mobile_verified=False)
    announcement = send(aicha, cocody_town_hall, [riviera], urgent=True, category="weather")
    fanout.fan_out_announcement(announcement)
    assert rows(announcement) == {
        ("Awa", "email", True),
        ("Yao", "email", True),
        ("Yao", "sms", True),
        ("Ange", "email", True),
    }
    assert Delivery.objects.get(announcement=announcement, channel="sms").address == str(yao.mobile)
    assert not Delivery.objects.filter(user=unverified, channel="sms").exists()
    announcement.refresh_from_db()
    assert announcement.sms_count == 1


def test_pending_members_and_other_communities_receive_nothing(
    dummy_tasks, aicha, cocody_town_hall, riviera, riviera3, yao, salif, aya
):
    announcement = send(aicha, cocody_town_hall, [riviera])
    fanout.fan_out_announcement(announcement)
    names = {name for name, _channel, _address in rows(announcement)}
    assert names == {"Awa", "Yao"}


def test_the_fan_out_twice_writes_each_row_once(dummy_tasks, aicha, cocody_town_hall, riviera, yao):
    subscribe(yao)
    announcement = send(aicha, cocody_town_hall, [riviera], urgent=True, category="weather")
    first = fanout.fan_out_announcement(announcement)
    assert first == Delivery.objects.filter(announcement=announcement).count() == 5
    assert fanout.fan_out_announcement(announcement) == 0
    assert Delivery.objects.filter(announcement=announcement).count() == 5


def test_sending_writes_the_fan_out_task_in_the_same_transaction(
    aicha, cocody_town_hall, riviera, run_tasks
):
    announcement = send(aicha, cocody_town_hall, [riviera])
    assert not Delivery.objects.filter(announcement=announcement).exists()
    run_tasks()
    assert Delivery.objects.filter(announcement=announcement).count() == 2


# What members receive.


def test_the_email_and_sms_come_from_the_town_hall(
    aicha, cocody_town_hall, riviera, yao, run_tasks, sms_outbox
):
    start = timezone.make_aware(datetime(2026, 12, 6, 8, 0))
    announcement = send(
        aicha,
        cocody_town_hall,
        [riviera],
        urgent=True,
        place="Riviera 2, rue des Jardins",
        starts_at=start,
        ends_at=start + timedelta(hours=10),
    )
    run_tasks()
    message = next(message for message in mail.outbox if message.to == [yao.email])
    assert message.subject == "ALERTE Mairie de Cocody – Coupure d'eau"
    assert WATER_CUT in message.body
    assert "Lieu : Riviera 2, rue des Jardins" in message.body
    assert "du 6 décembre 08:00 au 6 décembre 18:00" in message.body
    assert "/l/" in message.body  # the member's signed link
    (sms,) = [sms for sms in sms_outbox if sms.to == str(yao.mobile)]
    assert sms.text.startswith("MAIRIE DE COCODY - Coupure d'eau: Coupure d'eau dimanche")
    assert len(sms.text) <= 160 and sms.text.endswith("...")
    assert announcement_sms_text(announcement) == sms.text
    push = announcement_push_payload(announcement, "fr")
    assert push["title"] == "Mairie de Cocody · Coupure d'eau"
    assert push["url"].endswith(f"#annonce-{announcement.pk}")


def test_a_short_announcement_fits_one_sms_whole(dummy_tasks, aicha, cocody_town_hall, riviera):
    announcement = send(
        aicha,
        cocody_town_hall,
        [riviera],
        urgent=True,
        category="weather",
        text="Orage violent ce soir, restez à l'abri.",
    )
    assert announcement_sms_text(announcement) == (
        "MAIRIE DE COCODY - Météo: Orage violent ce soir, restez à l'abri."
    )


def test_a_member_sees_the_announcements_to_their_community(
    client, dummy_tasks, aicha, cocody_town_hall, riviera, riviera3, yao, aya
):
    send(aicha, cocody_town_hall, [riviera], place="Carrefour Riviera 2")
    send(aicha, cocody_town_hall, [riviera3], text="Seulement Riviera 3")
    ended = send(aicha, cocody_town_hall, [riviera], text="Travaux finis")
    Announcement.objects.filter(pk=ended.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(days=1)
    )
    factories.log_in(client, yao)
    for url in (reverse("alerts:list"), reverse("home")):
        page = client.get(url).content.decode()
        assert "Messages de la Mairie de Cocody" in page
        assert "Coupure d&#x27;eau dimanche" in page and "Carrefour Riviera 2" in page
        assert "Seulement Riviera 3" not in page and "Travaux finis" not in page
    factories.log_in(client, aya)
    page = client.get(reverse("alerts:list")).content.decode()
    assert "Seulement Riviera 3" in page and "Carrefour" not in page


def test_members_can_switch_town_hall_announcements_off(client, awa):
    factories.log_in(client, awa)
    page = client.get(reverse("notification_settings")).content.decode()
    assert "Annonces de la mairie" in page
    data = {kind: Mode.INSTANT for kind, _label in NotificationKind.choices if kind != "alert"}
    data |= {"alert_sms": "on", NotificationKind.TOWN_HALL: Mode.OFF}
    assert client.post(reverse("notification_settings"), data).status_code == 302
    assert NotificationPreference.objects.get(user=awa, kind=NotificationKind.TOWN_HALL).mode == (
        Mode.OFF
    )


def test_the_demo_announcements_are_made_once_as_sent_without_sms(
    client, cocody_town_hall, aicha, riviera, riviera3, yao
):
    assert demo.create_demo_announcements(cocody_town_hall, aicha) == 3
    assert demo.create_demo_announcements(cocody_town_hall, aicha) == 0
    assert Announcement.objects.filter(fanned_out_at__isnull=False, sms_count=0).count() == 3
    storm = Announcement.objects.get(category="weather")
    assert storm.urgent and set(storm.communities.all()) == {riviera, riviera3}
    assert not Delivery.objects.exists()
    factories.log_in(client, yao)
    page = client.get(reverse("home")).content.decode()
    assert "Alerte orage" in page and "SODECI" in page
