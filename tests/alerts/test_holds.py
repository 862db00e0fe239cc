"""The safeguards on each channel: the web asks to rephrase, SMS and USSD alerts are held
until a référent or staff decide (monquartier/alerts/holds.py), and the police reminder
is in every channel's message."""

import gzip
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import demo, holds, safeguards, services
from monquartier.alerts import outbox as alert_outbox
from monquartier.alerts.models import Alert, AlertStatus, SafeguardTerm
from monquartier.audit.models import AuditEntry
from monquartier.notifications.models import Notification
from monquartier.outbox.models import Delivery
from monquartier.outbox.sms.gsm7 import is_gsm7, segments
from tests import factories
from tests.alerts.test_sms_intake import at_sms

TARGETING = "VOL un Malien vient de prendre la moto devant chez Awa"


def grant(user, *codenames):
    """Staff hold the permissions of their role, not all of them."""
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def _texts_to(sms_outbox, number):
    return [message.text for message in sms_outbox if message.to == number]


# --- the web: asked to rephrase, nothing sent


def test_the_web_form_asks_to_rephrase_and_says_why(client, riviera, awa, yao):
    factories.log_in(client, yao)
    response = client.post(
        reverse("alerts:launch"),
        {"category": "theft", "text": "Un Burkinabè a volé la moto, venez avec des machettes"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "reformulez-la" in page
    assert "appel à la violence" in page and "« venez avec des machettes »" in page
    assert "groupe de personnes" in page and "« burkinabè »" in page
    assert "vêtements" in page  # what to write instead
    assert not Alert.objects.exists() and not Delivery.objects.exists()
    # What the sender typed stays in the form, to rephrase.
    assert "Un Burkinabè a volé la moto" in page


def test_a_rephrased_alert_goes(client, riviera, awa, yao):
    factories.log_in(client, yao)
    response = client.post(
        reverse("alerts:launch"),
        {
            "category": "theft",
            "text": "Un homme en boubou bleu a volé la moto, parti vers le marché",
        },
    )
    alert = Alert.objects.get()
    assert response.status_code == 302 and alert.status == AlertStatus.SENT
    assert Delivery.objects.filter(alert=alert).exists()


def test_the_app_and_web_never_hold(riviera, yao):
    with pytest.raises(ValidationError) as refused:
        services.send_alert(yao, category="other", text="Tous dehors !", source="api")
    assert refused.value.error_dict["text"][0].code == "safeguard"
    assert not Alert.objects.exists()


# --- SMS: held, then approved or rejected


def test_an_sms_alert_is_held_and_the_referents_and_staff_are_told(
    client, riviera, awa, yao, mariam, sms_outbox
):
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.HELD and alert.held_rules == "group"
    assert not Delivery.objects.filter(alert=alert).exists()  # fanned out to no one
    assert alert.fanned_out_at is None
    (reply,) = _texts_to(sms_outbox, str(yao.mobile))
    assert "en attente" in reply and "ethnie" in reply and "110" in reply
    assert is_gsm7(reply) and segments(reply) == 1
    told = Notification.objects.filter(event="alert_held")
    assert set(told.values_list("recipient", flat=True)) == {awa.pk, mariam.pk}
    assert {message.to[0] for message in mail.outbox} >= {awa.email, mariam.email}
    # Nobody reads a held alert, not even in the community's list.
    factories.log_in(client, awa)
    assert "vient de prendre la moto" not in client.get(reverse("alerts:list")).content.decode()
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404


def test_a_referent_approves_and_the_alert_fans_out(
    client, riviera, awa, yao, sms_outbox, django_assert_max_num_queries
):
    other = factories.add_member(riviera)
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    factories.log_in(client, awa)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("alerts:held"))
    assert "vient de prendre la moto" in page.content.decode()
    # More held alerts cost no more queries.
    for number in range(3):
        at_sms(client, str(other.mobile), f"ALERTE tous dehors {number}", message_id=f"m{number}")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("alerts:held"))
    assert page.content.decode().count('name="decision" value="approve"') == 4
    assert len(gzip.compress(page.content)) < 14 * 1024
    assert "groupe de personnes" in page.content.decode()
    sms_outbox.clear()
    response = client.post(reverse("alerts:decide_held", args=[alert.pk]), {"decision": "approve"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SENT and alert.decided_by == awa
    assert alert.fanned_out_at is not None
    assert Delivery.objects.filter(alert=alert, user=other).exists()
    (told,) = _texts_to(sms_outbox, str(yao.mobile))
    assert "relue et envoyee" in told and "Riviera 2" in told and segments(told) == 1
    # Now the members see it.
    factories.log_in(client, other)
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 200
    # A référent's decision is not a staff action: no audit entry.
    assert not AuditEntry.objects.filter(action="alert.approve_held").exists()


def test_staff_reject_the_sender_is_told_and_nothing_goes(
    client, riviera, awa, yao, mariam, sms_outbox
):
    at_sms(
        client, str(yao.mobile), "ALERTE le voleur est chez Kouadio, tous dehors on va le frapper"
    )
    alert = Alert.objects.get()
    assert set(alert.held_rules.split(",")) == {"violence", "gather"}
    sms_outbox.clear()
    factories.log_in(client, mariam)
    response = client.post(
        reverse("alerts:decide_held", args=[alert.pk]),
        {"decision": "reject", "reason": "Appel à frapper"},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REJECTED and alert.decision_reason == "Appel à frapper"
    assert not Delivery.objects.filter(alert=alert).exists()
    (told,) = _texts_to(sms_outbox, str(yao.mobile))
    assert "non envoyee" in told and "violence" in told and segments(told) == 1
    entry = AuditEntry.objects.get(action="alert.reject_held")
    assert (entry.actor, entry.member, entry.reason) == (mariam, yao, "Appel à frapper")
    # A second decision changes nothing.
    with pytest.raises(ValidationError):
        holds.approve(mariam, alert)
    assert not Delivery.objects.filter(alert=alert).exists()


def test_staff_decide_from_the_admin(client, riviera, yao, mariam, sms_outbox):
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    grant(mariam, "view_heldalert")
    factories.log_in(client, mariam)
    listing = client.get("/admin/alerts/heldalert/")
    assert listing.status_code == 200 and "vient de prendre" in listing.content.decode()
    client.post(
        "/admin/alerts/heldalert/",
        {"action": "approve", "_selected_action": [alert.pk], "index": 0},
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SENT
    assert AuditEntry.objects.filter(action="alert.approve_held", actor=mariam).exists()


def test_who_may_decide(client, riviera, awa, yao, issa, koffi):
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    for outsider in (yao, issa, koffi):  # the sender, an outsider, a référent elsewhere
        with pytest.raises(PermissionDenied):
            holds.approve(outsider, alert)
    factories.log_in(client, yao)
    assert client.get(reverse("alerts:held")).status_code == 403
    factories.log_in(client, koffi)
    assert "vient de prendre" not in client.get(reverse("alerts:held")).content.decode()
    assert (
        client.post(
            reverse("alerts:decide_held", args=[alert.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    alert.refresh_from_db()
    assert alert.is_held


def test_a_referents_own_held_alert_waits_for_another(client, riviera, awa, yao, mariam):
    at_sms(client, str(awa.mobile), TARGETING)
    alert = Alert.objects.get()
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert awa.pk not in recipients and mariam.pk in recipients
    with pytest.raises(PermissionDenied):
        holds.approve(awa, alert)


def test_bad_decisions_change_nothing(client, riviera, awa, yao):
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    factories.log_in(client, awa)
    for data in ({}, {"decision": "peut-etre"}, {"decision": "reject", "reason": "x" * 5000}):
        response = client.post(reverse("alerts:decide_held", args=[alert.pk]), data)
        assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.is_held
    assert (
        client.post(
            reverse("alerts:decide_held", args=[999999]), {"decision": "approve"}
        ).status_code
        == 404
    )


def test_ussd_can_hold_or_send(riviera, yao):
    held = services.hold_or_send(yao, category="other", text="rassemblez-vous", source="ussd")
    sent = services.hold_or_send(yao, category="fire", text="Feu au lot 12", source="ussd")
    assert held.is_held and not sent.is_held and sent.source == "ussd"
    assert "en attente" in holds.held_message(held)
    with pytest.raises(ValueError):
        services.hold_or_send(yao, category="fire", text="Feu", source="web")


def test_a_held_alert_reminds_staff_then_expires(client, riviera, awa, yao, mariam, sms_outbox):
    at_sms(client, str(yao.mobile), TARGETING)
    alert = Alert.objects.get()
    assert "reminded 0, expired 0" in holds.remind_and_expire("now")
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert "reminded 1" in holds.remind_and_expire("later")
        assert "reminded 0" in holds.remind_and_expire("again")  # once
    late = Notification.objects.filter(event="alert_held_late")
    assert list(late.values_list("recipient", flat=True)) == [mariam.pk]
    sms_outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=121), tick=False):
        assert "expired 1" in holds.remind_and_expire("much later")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REJECTED and alert.decision_reason == holds.EXPIRED
    (told,) = _texts_to(sms_outbox, str(yao.mobile))
    assert "110" in told and segments(told) == 1
    assert not Delivery.objects.filter(alert=alert).exists()


# --- the word lists, edited by staff in the admin


def test_staff_edit_the_word_lists_in_the_admin_and_it_is_audited(client, riviera, yao, mariam):
    grant(mariam, "view_safeguardterm", "add_safeguardterm", "change_safeguardterm")
    grant(mariam, "delete_safeguardterm")
    factories.log_in(client, mariam)
    response = client.post(
        "/admin/alerts/safeguardterm/add/",
        {"rule": "group", "phrase": "Zoulou", "note": "test", "active": "on"},
    )
    assert response.status_code == 302
    term = SafeguardTerm.objects.get(phrase="Zoulou")
    assert AuditEntry.objects.filter(action="safeguard_term.create", actor=mariam).exists()
    with pytest.raises(ValidationError):
        services.send_alert(yao, category="other", text="Deux Zoulous rôdent")

    client.post(
        f"/admin/alerts/safeguardterm/{term.pk}/change/",
        {"rule": "group", "phrase": "Zoulou", "note": "test"},  # active unticked
    )
    assert AuditEntry.objects.filter(action="safeguard_term.change").exists()
    assert services.send_alert(yao, category="other", text="Deux Zoulous rôdent").status == "sent"

    client.post(f"/admin/alerts/safeguardterm/{term.pk}/delete/", {"post": "yes"})
    assert not SafeguardTerm.objects.filter(pk=term.pk).exists()
    assert AuditEntry.objects.filter(action="safeguard_term.delete").exists()


def test_a_term_too_short_to_mean_anything_is_refused(client, mariam):
    grant(mariam, "view_safeguardterm", "add_safeguardterm")
    factories.log_in(client, mariam)
    before = SafeguardTerm.objects.count()
    for phrase in ("a", "!!!", "l'"):
        response = client.post(
            "/admin/alerts/safeguardterm/add/", {"rule": "violence", "phrase": phrase}
        )
        assert response.status_code == 200 and "au moins trois lettres" in response.content.decode()
    assert SafeguardTerm.objects.count() == before


def test_members_cannot_reach_the_word_lists(client, riviera, awa):
    factories.log_in(client, awa)
    assert client.get("/admin/alerts/safeguardterm/").status_code in (302, 403)


# --- the reminder in every channel


def test_the_reminder_is_in_every_channels_message(riviera, awa, yao):
    long_text = "Deux hommes escaladent le mur du lot 12 côté rue, un grand en noir, un petit " * 3
    alert = services.send_alert(awa, category="suspicious", text=long_text[:480])
    delivery = Delivery.objects.filter(alert=alert, channel="email").first()
    text, html = alert_outbox.alert_email(delivery).body()
    assert "N'intervenez pas vous-même" in text and "110, 111 ou 170" in text
    assert "intervenez pas vous-même" in html and "110, 111 ou 170" in html
    sms = alert_outbox.alert_sms_text(alert)
    assert sms.endswith("N'intervenez pas: 110/111/170") and segments(sms) == 1
    assert is_gsm7(sms) and f"/a/{alert.pk}" in sms
    push = alert_outbox.alert_push_payload(alert, "fr")
    assert "N'intervenez pas" in push["body"] and "110" in push["body"]
    assert "Do not intervene yourself" in alert_outbox.alert_push_payload(alert, "en")["body"]


# --- demo data


def test_the_demo_holds_one_alert_and_its_sent_examples_pass(riviera, awa, yao):
    for _category, text in demo.EXAMPLES:
        assert safeguards.check(text) == [], text
    assert demo.create_demo_held_alert() == 1
    assert demo.create_demo_held_alert() == 0  # idempotent
    held = Alert.objects.get()
    assert held.is_held and held.sender == yao and "gather" in held.held_rules
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_the_help_centre_explains_refused_and_held_alerts(client, db):
    page = client.get(reverse("help:topic", args=["alertes"]))
    assert "Pourquoi mon alerte n&#x27;est-elle pas partie ?" in page.content.decode()
