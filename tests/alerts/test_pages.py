import gzip
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import services
from monquartier.alerts.models import Alert, AlertRead
from monquartier.moderation.models import Report
from monquartier.outbox.models import Delivery, DeliveryStatus
from monquartier.townhalls.models import TownHallContact
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


def test_the_launch_page_promises_the_town_hall_only_where_there_is_one(client, riviera, awa):
    # (The footer links every member to the "Mairie partenaire" page: look for the promise.)
    promise = "La mairie partenaire la reçoit aussi."
    factories.log_in(client, awa)
    launch = reverse("alerts:launch")
    assert promise not in client.get(launch).content.decode()

    TownHallContact.objects.create(
        commune=riviera.commune, name="Ancien agent", email="a@mairie.ci", active=False
    )
    TownHallContact.objects.create(
        commune=factories.commune("yopougon"), name="Mairie de Yopougon", email="y@mairie.ci"
    )
    assert promise not in client.get(launch).content.decode()

    TownHallContact.objects.create(
        commune=riviera.commune, name="Mairie de Cocody", email="c@mairie.ci"
    )
    assert promise in client.get(launch).content.decode()


def test_the_launch_page_promises_the_town_hall_while_the_partnership_lasts(client, riviera, awa):
    promise = "La mairie partenaire la reçoit aussi."
    town_hall = factories.make_town_hall("cocody")
    factories.log_in(client, awa)
    launch = reverse("alerts:launch")
    assert promise in client.get(launch).content.decode()
    town_hall.ends_on = timezone.localdate() - timedelta(days=1)
    town_hall.save()
    assert promise not in client.get(launch).content.decode()


def test_the_launch_page_names_the_twinned_communities_when_there_are_some(
    client, riviera, awa, twinned
):
    factories.log_in(client, awa)
    page = client.get(reverse("alerts:launch")).content.decode()
    assert "Les communautés jumelées la reçoivent aussi." in page


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


def test_an_alert_not_yet_fanned_out_counts_as_pending_and_its_progress_keeps_refreshing(
    client, riviera, awa, yao, run_tasks
):
    alert = services.send_alert(awa, category="fire", text="Fumée noire derrière le lot 40")
    factories.log_in(client, awa)

    assert not services.progress(alert)["settled"]
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert "destinataires sont en cours de calcul" in page

    run_tasks()  # the fan-out, then the senders: the SMS waits for its delay
    partial = client.get(reverse("alerts:progress", args=[alert.pk])).content.decode()
    assert 'hx-trigger="every 5s"' in partial
    assert "Envoi en cours" in partial


def test_the_progress_stops_refreshing_once_every_delivery_is_settled(client, alert, awa, yao):
    services.mark_read(alert, yao)  # the waiting SMS is cancelled, the e-mail went out
    factories.log_in(client, awa)

    partial = client.get(reverse("alerts:progress", args=[alert.pk])).content.decode()

    alert.refresh_from_db()
    assert services.progress(alert)["settled"]
    assert "hx-get" not in partial and "hx-trigger" not in partial
    assert "Envoi terminé" in partial


def test_the_progress_stops_refreshing_when_staff_hide_the_alert(client, alert, awa, mariam):
    services.hide_alert(mariam, alert, "Fausse alerte")
    factories.log_in(client, awa)
    url = reverse("alerts:progress", args=[alert.pk])

    response = client.get(url, HTTP_HX_REQUEST="true")

    assert response.status_code == 286  # htmx's "stop polling"
    assert "Cette alerte a été retirée" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()
    assert client.get(url).status_code == 404  # outside htmx, the alert is simply gone


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
    # The 8th: the town hall's announcements (alerts/feeds.py).
    with django_assert_num_queries(8):
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


@pytest.fixture
def correction(alert, awa):
    return services.send_alert(
        awa, category="suspicious", text="Fausse alerte : c'était le livreur.", corrects=alert
    )


def test_a_correction_is_shown_as_a_correction_in_the_list_and_on_its_page(
    client, alert, correction, yao
):
    factories.log_in(client, yao)

    listed = client.get(reverse("alerts:list")).content.decode()
    page = client.get(reverse("alerts:detail", args=[correction.pk])).content.decode()

    assert "Correction · Personne ou véhicule suspect" in listed
    assert "Corrige l'alerte : Une voiture grise" in listed
    assert "<title>Correction : Personne ou véhicule suspect" in page
    assert "Correction · Personne ou véhicule suspect" in page
    assert f'href="{reverse("alerts:detail", args=[alert.pk])}"' in page
    assert "badge--alert" not in page  # not a new alert of its category


def test_when_staff_hide_an_alert_its_corrections_stay_readable_and_say_it_was_withdrawn(
    client, alert, correction, mariam, yao
):
    services.hide_alert(mariam, alert, "Accusation sans fondement")
    factories.log_in(client, yao)

    page = client.get(reverse("alerts:detail", args=[correction.pk]))
    listed = client.get(reverse("alerts:list")).content.decode()

    assert page.status_code == 200
    content = page.content.decode()
    assert "c&#x27;était le livreur" in content
    assert "L'alerte d'origine a été retirée par l'équipe MonQuartier." in content
    assert "voiture grise" not in content
    assert f'href="{reverse("alerts:detail", args=[alert.pk])}"' not in content
    assert "retirée par l'équipe" in listed and "voiture grise" not in listed
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
    factories.log_in(client, alert.sender)  # a withdrawn alert is not corrected again
    assert client.get(reverse("alerts:correct", args=[alert.pk])).status_code == 404


def test_members_report_an_alert_from_its_button_once_the_sender_has_no_button(
    client, alert, awa, yao
):
    url = reverse("alerts:detail", args=[alert.pk])
    report_url = reverse("moderation:report", args=["alert", alert.pk])
    factories.log_in(client, awa)
    assert f'href="{report_url}"' not in client.get(url).content.decode()
    factories.log_in(client, yao)
    assert f'href="{report_url}"' in client.get(url).content.decode()

    first = client.post(report_url, {"reason": "false_alert"})
    second = client.post(report_url, {"reason": "false_alert"})

    assert first["Location"] == url
    assert second.status_code == 200
    assert "déjà signalé ce contenu" in second.content.decode()
    assert Report.objects.filter(kind="alert", object_id=alert.pk).count() == 1


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
    client, alert, awa, yao, django_assert_num_queries, settings
):
    """Session, user, the alert with the reader's access in one query, the read, the
    corrections; on the first visit the read is written and the waiting SMS cancelled; the
    sender and référents also get the progress, in one query; everyone the
    acknowledgements, in one query (names: one more, tests/alerts/test_acknowledgements.py).
    However many members, deliveries and corrections."""
    # The rendering's queries (the cached answer's: tests/core/test_pagecache.py).
    settings.PAGE_CACHE_ENABLED = False
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
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    factories.log_in(client, awa)  # the sender follows the delivery, and does not read it
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    assert not AlertRead.objects.filter(alert=alert, user=awa).exists()
    referent = factories.add_member(
        alert.community, referent=True, first_name="Ange", last_name="Ehui"
    )
    factories.log_in(client, referent)  # reads it for the first time and follows the delivery
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
