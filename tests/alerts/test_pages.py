import gzip

import pytest
from django.urls import reverse

from monquartier.alerts import services
from monquartier.alerts.models import Alert, AlertRead
from monquartier.notifications.models import Delivery, DeliveryStatus
from tests import factories


@pytest.fixture
def alert(riviera, awa, yao):
    return services.send_alert(
        awa, category="suspicious", text="Une voiture grise tourne dans l'allée depuis une heure"
    )


def test_the_launch_page_reminds_not_to_intervene_and_the_numbers(client, riviera, awa):
    factories.log_in(client, awa)
    page = client.get(reverse("alerts:launch")).content.decode()
    for number in ("110", "111", "170", "180", "185"):
        assert f'href="tel:{number}"' in page
    assert "intervenez pas" in page
    assert len(gzip.compress(page.encode())) < 14 * 1024


def test_launching_an_alert_from_the_website(client, riviera, awa, yao):
    factories.log_in(client, awa)
    response = client.post(
        reverse("alerts:launch"),
        {
            "category": "fire",
            "text": "Fumée noire derrière le lot 40",
            "latitude": "5.3591",
            "longitude": "-3.9608",
        },
    )
    alert = Alert.objects.get()
    assert response["Location"] == reverse("alerts:detail", args=[alert.pk])
    assert (alert.category, alert.sender, alert.latitude) == ("fire", awa, 5.3591)
    page = client.get(response["Location"]).content.decode()
    assert "Awa Koné" in page and "Fumée noire" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "", "text": "Un texte"}, "category"),
        ({"category": "martians", "text": "Un texte"}, "category"),
        ({"category": "fire", "text": ""}, "text"),
        ({"category": "fire", "text": "x" * 501}, "text"),
        ({"category": "fire", "text": "Feu", "latitude": "95", "longitude": "0"}, "latitude"),
    ],
)
def test_bad_alerts_are_refused_and_nothing_is_sent(client, riviera, awa, data, field):
    factories.log_in(client, awa)
    response = client.post(reverse("alerts:launch"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Alert.objects.exists()


def test_only_members_launch_alerts(client, riviera, salif, issa):
    for person in (salif, issa):
        factories.log_in(client, person)
        assert client.get(reverse("alerts:launch")).status_code == 403
        assert (
            client.post(reverse("alerts:launch"), {"category": "fire", "text": "Feu !"}).status_code
            == 403
        )
    assert not Alert.objects.exists()


def test_opening_the_alert_marks_it_read_and_cancels_the_waiting_sms(client, alert, yao):
    assert (
        Delivery.objects.get(alert=alert, user=yao, channel="sms").status == DeliveryStatus.QUEUED
    )
    factories.log_in(client, yao)
    response = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert response["X-Offline-Cacheable"] == "1"
    assert AlertRead.objects.filter(alert=alert, user=yao).exists()
    assert (
        Delivery.objects.get(alert=alert, user=yao, channel="sms").status
        == DeliveryStatus.CANCELLED
    )


def test_who_reads_an_alert(client, alert, awa, yao, aya, twinned, salif, issa, mariam):
    url = reverse("alerts:detail", args=[alert.pk])
    for person, status in ((yao, 200), (aya, 200), (mariam, 200), (salif, 404), (issa, 404)):
        factories.log_in(client, person)
        assert client.get(url).status_code == status, person
    client.logout()
    assert client.get(url).status_code == 302
    # A twinned member reads it without cancelling anyone's SMS or counting as a read.
    assert not AlertRead.objects.filter(user=aya).exists()


def test_the_sender_and_referents_see_the_progress_others_do_not(client, alert, awa, yao):
    factories.add_member(alert.community, first_name="Ange", last_name="Ehui")
    factories.log_in(client, awa)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "alert-progress" in page
    assert client.get(reverse("alerts:progress", args=[alert.pk])).status_code == 200
    factories.log_in(client, yao)
    assert (
        "alert-progress"
        not in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    )
    assert client.get(reverse("alerts:progress", args=[alert.pk])).status_code == 403


def test_progress_counts_by_channel(alert, yao):
    progress = services.progress(alert)
    assert progress["email"]["reached"] == 1  # sent at once (tasks run immediately in tests)
    assert progress["sms"]["waiting"] == 1
    services.mark_read(alert, yao)
    progress = services.progress(alert)
    assert (progress["sms"]["cancelled"], progress["read"]) == (1, 1)


def test_the_list_shows_unread_alerts_first_class_and_paginates(
    client, riviera, awa, yao, django_assert_num_queries
):
    for index in range(25):
        Alert.objects.create(
            community=riviera, sender=awa, category="other", text=f"Alerte numéro {index}"
        )
    factories.log_in(client, yao)
    url = reverse("alerts:list")
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["page"]) == 20
    assert response.content.decode().count("is-unread") == 20
    assert response["X-Offline-Cacheable"] == "1"


def test_a_correction_is_a_new_alert_linked_to_the_first(client, alert, awa, yao):
    factories.log_in(client, awa)
    client.post(
        reverse("alerts:correct", args=[alert.pk]),
        {"category": "suspicious", "text": "Fausse alerte : c'était le livreur."},
    )
    correction = Alert.objects.exclude(pk=alert.pk).get()
    assert correction.corrects == alert
    factories.log_in(client, yao)
    assert (
        "c&#x27;était le livreur"
        in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    )
    # Only the sender corrects their alert.
    assert client.get(reverse("alerts:correct", args=[alert.pk])).status_code == 404


def test_staff_hide_an_abusive_alert(client, alert, mariam, yao):
    factories.log_in(client, mariam)
    client.post(reverse("alerts:hide", args=[alert.pk]), {"reason": "Insultes"})
    alert.refresh_from_db()
    assert alert.is_hidden
    factories.log_in(client, yao)
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    assert alert.pk not in [item.pk for item in client.get(reverse("alerts:list")).context["page"]]
    assert (
        Delivery.objects.get(alert=alert, user=yao, channel="sms").status
        == DeliveryStatus.CANCELLED
    )


def test_nobody_else_hides_an_alert(client, alert, awa):
    factories.log_in(client, awa)
    client.post(reverse("alerts:hide", args=[alert.pk]), {"reason": "Je regrette"})
    alert.refresh_from_db()
    assert not alert.is_hidden


def test_the_short_sms_link(client, alert, yao):
    factories.log_in(client, yao)
    assert client.get(f"/a/{alert.pk}/")["Location"] == reverse("alerts:detail", args=[alert.pk])


def test_the_alert_page_runs_a_fixed_number_of_queries(
    client, alert, awa, yao, django_assert_num_queries
):
    """Session, user, the alert with the reader's access in one query, the read, the
    corrections; on the first visit the read is written and the waiting SMS cancelled; the
    sender and référents also get the progress, in one query. However many members,
    deliveries and corrections."""
    for index in range(5):
        factories.add_member(alert.community, first_name=f"Voisin{index}", last_name="Test")
        Alert.objects.create(
            community=alert.community,
            sender=awa,
            category="other",
            text=f"Correction {index}",
            corrects=alert,
        )
    url = reverse("alerts:detail", args=[alert.pk])
    factories.log_in(client, yao)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    factories.log_in(client, awa)  # the sender follows the delivery, and does not read it
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    assert not AlertRead.objects.filter(alert=alert, user=awa).exists()
    referent = factories.add_member(
        alert.community, referent=True, first_name="Ange", last_name="Ehui"
    )
    factories.log_in(client, referent)  # reads it for the first time and follows the delivery
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
