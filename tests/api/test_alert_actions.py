"""Correcting, acknowledging, following and reporting an alert through the API: the
website's rules (alerts/views.py) and names (communities/privacy.py)."""

import pytest
from django.utils import timezone

from monquartier.alerts import acknowledgements
from monquartier.alerts.models import (
    AcknowledgementChannel,
    Alert,
    AlertAcknowledgement,
    AlertRead,
    AlertSource,
)
from monquartier.alerts.services import hide_alert, send_alert
from monquartier.moderation.models import Report, ReportKind
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


def make_alert(sender, text="Deux hommes rôdent près de l'école", **fields):
    return send_alert(sender, category=fields.pop("category", "suspicious"), text=text, **fields)


CORRECTION = {"category": "other", "text": "Fausse alerte : c'était le nouveau gardien"}


# Correcting


def test_the_sender_corrects_their_alert(api_as, riviera, yao, awa):
    alert = make_alert(yao)
    response = api_as(yao).post(f"/alerts/{alert.pk}/correct", CORRECTION)
    assert response.status_code == 201
    correction = Alert.objects.get(corrects=alert)
    assert correction.source == AlertSource.API
    assert correction.text == CORRECTION["text"]
    body = response.json()
    assert (body["id"], body["corrects"], body["is_sender"]) == (correction.pk, alert.pk, True)
    # Sent to the community like any alert, shown as a correction of the first.
    assert Delivery.objects.filter(alert=correction, user=awa).exists()
    assert api_as(awa).get(f"/alerts/{alert.pk}").json()["corrections"] == [correction.pk]


def test_only_the_sender_corrects(api_as, riviera, twinned, yao, awa, aya, koffi, salif, issa):
    alert = make_alert(yao)
    # A neighbour (even a référent) reads it but may not correct it.
    response = api_as(awa).post(f"/alerts/{alert.pk}/correct", CORRECTION)
    assert response.status_code == 403
    assert response.json()["message"] == "On ne corrige que ses propres alertes."
    # A twinned member reads it, and may not correct it either.
    assert api_as(aya).post(f"/alerts/{alert.pk}/correct", CORRECTION).status_code == 403
    # Whoever may not read it: 403 without a community, else 404.
    assert api_as(salif).post(f"/alerts/{alert.pk}/correct", CORRECTION).status_code == 403
    assert api_as(issa).post(f"/alerts/{alert.pk}/correct", CORRECTION).status_code == 403
    koffis = make_alert(koffi, "Un incendie rue des Jardins", category="fire")
    assert api_as(yao).post(f"/alerts/{koffis.pk}/correct", CORRECTION).status_code == 403
    assert api_as(yao).post("/alerts/999999/correct", CORRECTION).status_code == 404
    assert not Alert.objects.filter(corrects__isnull=False).exists()


def test_no_correction_of_a_hidden_alert_nor_after_leaving(api_as, riviera, yao, awa, mariam):
    from monquartier.communities.services import leave_community

    hidden = make_alert(yao)
    hide_alert(mariam, hidden, "Insultes")
    assert api_as(yao).post(f"/alerts/{hidden.pk}/correct", CORRECTION).status_code == 404
    kept = make_alert(yao, "Une moto volée devant la pharmacie", category="theft")
    leave_community(yao)
    response = api_as(yao).post(f"/alerts/{kept.pk}/correct", CORRECTION)
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"
    assert not Alert.objects.filter(corrects__isnull=False).exists()


def test_staff_does_not_correct(api_as, riviera, yao, mariam):
    alert = make_alert(yao)
    assert api_as(mariam).post(f"/alerts/{alert.pk}/correct", CORRECTION).status_code == 403


def test_a_correction_is_checked_as_an_alert(api_as, riviera, yao):
    alert = make_alert(yao)
    app = api_as(yao)
    short = app.post(f"/alerts/{alert.pk}/correct", {"category": "other", "text": "  Ah  "})
    assert short.status_code == 422
    assert short.json()["fields"] == {"text": ["Décrivez ce qui se passe en quelques mots."]}
    unknown = app.post(f"/alerts/{alert.pk}/correct", {"category": "nope", "text": "Correction"})
    assert unknown.status_code == 422
    assert app.post(f"/alerts/{alert.pk}/correct", ["other", "x"]).status_code == 422
    assert not Alert.objects.filter(corrects__isnull=False).exists()


def test_a_repeated_correction_with_its_key_sends_one(api_as, riviera, yao):
    alert = make_alert(yao)
    app = api_as(yao)
    key = {"Idempotency-Key": "correction-0001"}
    first = app.post(f"/alerts/{alert.pk}/correct", CORRECTION, headers=key)
    again = app.post(f"/alerts/{alert.pk}/correct", CORRECTION, headers=key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Alert.objects.filter(corrects=alert).count() == 1
    other = app.post(
        f"/alerts/{alert.pk}/correct", {**CORRECTION, "text": "Autre chose"}, headers=key
    )
    assert other.status_code == 409


def test_unauthenticated_actions_are_401(api, riviera, yao):
    alert = make_alert(yao)
    for path in ("correct", "acknowledge", "report"):
        assert api.post(f"/alerts/{alert.pk}/{path}", CORRECTION).status_code == 401
    assert api.get(f"/alerts/{alert.pk}/progress").status_code == 401


# "J'ai vu"


def test_a_recipient_acknowledges(api_as, riviera, yao, awa):
    alert = make_alert(awa)  # Awa is the référente: Yao a plain member
    app = api_as(yao)
    detail = app.get(f"/alerts/{alert.pk}").json()
    assert detail["can_acknowledge"] is True
    assert detail["seen"] == {"count": 0, "by_me": False, "names": None}
    assert app.post(f"/alerts/{alert.pk}/acknowledge").json() == {"seen": True}
    ack = AlertAcknowledgement.objects.get()
    assert (ack.user, ack.channel) == (yao, AcknowledgementChannel.WEB)
    # Seen is read too, for the own community's alerts.
    assert AlertRead.objects.filter(alert=alert, user=yao).exists()
    assert app.post(f"/alerts/{alert.pk}/acknowledge").status_code == 200  # again: nothing
    assert AlertAcknowledgement.objects.count() == 1
    detail = app.get(f"/alerts/{alert.pk}").json()
    # A plain member sees how many, not who.
    assert detail["seen"] == {"count": 1, "by_me": True, "names": None}
    assert detail["read"] is True


def test_a_twinned_member_acknowledges_without_a_read_mark(api_as, riviera, twinned, yao, aya):
    alert = make_alert(yao)
    assert api_as(aya).post(f"/alerts/{alert.pk}/acknowledge").status_code == 200
    assert AlertAcknowledgement.objects.filter(user=aya).exists()
    assert not AlertRead.objects.filter(user=aya).exists()


def test_who_may_not_acknowledge(api_as, riviera, yao, koffi, salif, mariam):
    alert = make_alert(yao)
    own = api_as(yao).post(f"/alerts/{alert.pk}/acknowledge")
    assert own.status_code == 422
    assert own.json()["message"] == "C'est vous qui avez envoyé cette alerte."
    assert api_as(yao).get(f"/alerts/{alert.pk}").json()["can_acknowledge"] is False
    staff = api_as(mariam)
    assert staff.get(f"/alerts/{alert.pk}").json()["can_acknowledge"] is False
    assert staff.post(f"/alerts/{alert.pk}/acknowledge").status_code == 403
    # Not twinned, pending: the alert does not exist for them.
    assert api_as(koffi).post(f"/alerts/{alert.pk}/acknowledge").status_code == 404
    assert api_as(salif).post(f"/alerts/{alert.pk}/acknowledge").status_code == 404
    assert not AlertAcknowledgement.objects.exists()


def test_the_sender_and_referents_see_who_saw_it(api_as, riviera, twinned, yao, awa, aya, mariam):
    alert = make_alert(yao)
    acknowledgements.acknowledge(aya, alert, channel=AcknowledgementChannel.SMS)
    # The sender sees names as the privacy module names them to him: Aya is twinned.
    assert api_as(yao).get(f"/alerts/{alert.pk}").json()["seen"] == {
        "count": 1,
        "by_me": False,
        "names": ["Aya la couturière"],
    }
    yao_sees = api_as(yao).get(f"/alerts/{alert.pk}/progress").json()["seen"]
    assert yao_sees["names"] == ["Aya la couturière"]
    # Awa, référente of the alert's community, follows it too; staff see the real name.
    assert api_as(awa).get(f"/alerts/{alert.pk}").json()["seen"]["names"] == ["Aya la couturière"]
    assert api_as(mariam).get(f"/alerts/{alert.pk}/progress").json()["seen"]["names"] == [
        "Aya Kacou"
    ]
    # Aya herself only follows the count.
    assert api_as(aya).get(f"/alerts/{alert.pk}").json()["seen"] == {
        "count": 1,
        "by_me": True,
        "names": None,
    }


# Progress


def test_the_sender_follows_the_delivery(api_as, riviera, yao, awa):
    alert = make_alert(yao)
    Delivery.objects.filter(alert=alert, user=awa, channel=Channel.SMS).update(
        status=DeliveryStatus.QUEUED
    )
    AlertRead.objects.create(alert=alert, user=awa)
    body = api_as(yao).get(f"/alerts/{alert.pk}/progress").json()
    assert set(body) == {
        "push",
        "email",
        "sms",
        "voice",
        "read",
        "fanned_out",
        "settled",
        "seen",
        "escalation",
    }
    assert body["fanned_out"] is True
    assert body["read"] == 1
    assert (
        body["sms"]["waiting"]
        == Delivery.objects.filter(
            alert=alert, channel=Channel.SMS, status=DeliveryStatus.QUEUED
        ).count()
    )
    assert body["settled"] is False
    assert body["escalation"] is None


def test_only_the_sender_referents_and_staff_follow(
    api_as, riviera, twinned, yao, awa, aya, koffi, salif, issa, mariam
):
    alert = make_alert(awa)
    # Yao is a plain member; Aya and Koffi (référent of the twinned community) read it.
    for user in (yao, aya, koffi):
        response = api_as(user).get(f"/alerts/{alert.pk}/progress")
        assert response.status_code == 403, user
        assert response.json()["code"] == "forbidden"
    for user in (salif, issa):
        assert api_as(user).get(f"/alerts/{alert.pk}/progress").status_code == 404
    yaos = make_alert(yao, "Un vol de moto devant la pharmacie", category="theft")
    assert api_as(awa).get(f"/alerts/{yaos.pk}/progress").status_code == 200  # référente
    assert api_as(mariam).get(f"/alerts/{yaos.pk}/progress").status_code == 200
    hide_alert(mariam, yaos, "Doublon")
    assert api_as(yao).get(f"/alerts/{yaos.pk}/progress").status_code == 404


def test_escalation_is_shown_to_followers_only(api_as, riviera, yao, awa):
    other = make_alert(awa)
    alert = make_alert(yao)
    Alert.objects.filter(pk__in=[alert.pk, other.pk]).update(
        escalation_level=2, escalated_at=timezone.now()
    )
    shown = api_as(yao).get(f"/alerts/{alert.pk}").json()["escalation"]
    # The level reached, after how long without a "J'ai vu" (twice the delay for level 2).
    assert (shown["level"], shown["minutes"]) == (2, 2 * riviera.acknowledgement_minutes)
    assert api_as(awa).get(f"/alerts/{alert.pk}/progress").json()["escalation"]["level"] == 2
    # Yao did not send Awa's alert and is no référent.
    assert api_as(yao).get(f"/alerts/{other.pk}").json()["escalation"] is None


def test_escalation_names_the_referents_told_as_privacy_allows(api_as, riviera, yao, awa):
    from monquartier.alerts.models import EscalationStep

    alert = make_alert(yao)
    now = timezone.now()
    Alert.objects.filter(pk=alert.pk).update(escalation_level=2, escalated_at=now)
    EscalationStep.objects.create(alert=alert, level=1, user=awa, outcome="sms", at=now)
    EscalationStep.objects.create(alert=alert, level=2, user=None, outcome="sms", at=now)
    levels = api_as(yao).get(f"/alerts/{alert.pk}").json()["escalation"]["levels"]
    assert [level["level"] for level in levels] == [1, 2]
    # Awa, by the name her community sees; the police number only as a count.
    assert [told["name"] for told in levels[0]["referents"]] == ["Awa Koné"]
    assert (levels[1]["referents"], levels[1]["others_sent"]) == ([], 1)


def test_progress_costs_a_fixed_number_of_queries(
    api_as, riviera, yao, awa, django_assert_max_num_queries
):
    from tests import factories

    alert = make_alert(yao)
    app = api_as(yao)
    app.get(f"/alerts/{alert.pk}/progress")  # the token's last use is written once
    for number in range(5):
        neighbour = factories.add_member(riviera, first_name=f"Voisin{number}")
        AlertAcknowledgement.objects.create(alert=alert, user=neighbour, channel="web")
    # The token, the alert, the deliveries and reads, the acknowledgements, their ties.
    with django_assert_max_num_queries(5):
        body = app.get(f"/alerts/{alert.pk}/progress").json()
    assert body["seen"]["count"] == 5


# Reporting


def test_a_member_reports_an_alert_once(api_as, riviera, twinned, yao, awa, aya, koffi):
    alert = make_alert(yao)
    app = api_as(awa)
    response = app.post(
        f"/alerts/{alert.pk}/report", {"reason": "false_alert", "details": "Rien vu"}
    )
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.reporter, report.kind, report.object_id, report.author) == (
        awa,
        ReportKind.ALERT,
        alert.pk,
        yao,
    )
    assert response.json() == {"id": report.pk, "status": "open"}
    again = app.post(f"/alerts/{alert.pk}/report", {"reason": "spam"})
    assert again.status_code == 422
    assert again.json()["message"] == "Vous avez déjà signalé ce contenu : l'équipe l'examine."
    own = api_as(yao).post(f"/alerts/{alert.pk}/report", {"reason": "spam"})
    assert own.status_code == 422
    # A twinned member receives it and may report it too.
    assert api_as(aya).post(f"/alerts/{alert.pk}/report", {"reason": "spam"}).status_code == 201
    assert app.post(f"/alerts/{alert.pk}/report", {"reason": "nope"}).status_code == 422
    assert Report.objects.count() == 2


def test_an_unreadable_alert_cannot_be_reported(api_as, riviera, yao, koffi, salif, issa):
    alert = make_alert(yao)
    for user in (koffi, salif, issa):
        response = api_as(user).post(f"/alerts/{alert.pk}/report", {"reason": "spam"})
        assert response.status_code == 404, user
    assert not Report.objects.exists()
