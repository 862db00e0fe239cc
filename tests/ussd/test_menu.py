"""The USSD menu, each path as the sequence of callbacks Africa's Talking makes."""

from datetime import timedelta
from itertools import count
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from monquartier.alerts import services
from monquartier.alerts.models import Alert, AlertAcknowledgement
from monquartier.notifications.events import describe
from monquartier.notifications.models import Notification
from monquartier.outbox.models import SMSOptOut
from monquartier.outbox.sms.gsm7 import is_gsm7
from monquartier.ussd.models import CallbackRequest, UssdSession
from tests import factories

SECRET = "dev-ussd-secret"
_sessions = count(1)


class Session:
    """One person dialling the short code: each press() is one callback, with everything
    typed so far joined by "*", as the provider sends it."""

    def __init__(self, client, phone, session_id=None):
        self.client, self.phone = client, phone
        self.session_id = session_id or f"ATUid_{next(_sessions)}"
        self.keys: list[str] = []

    def post(self, text, **fields):
        data = {
            "sessionId": self.session_id,
            "serviceCode": "*384*15#",
            "phoneNumber": self.phone,
            "networkCode": "61201",
            "text": text,
            **fields,
        }
        response = self.client.post(
            reverse("ussd:callback", args=[SECRET]),
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        screen = response.content.decode()
        assert screen.startswith(("CON ", "END ")), screen
        assert len(screen) <= 182, (len(screen), screen)
        assert is_gsm7(screen), screen
        if screen.startswith("CON "):
            assert "0 Retour" in screen and "00 Accueil" in screen, screen
        return screen

    def dial(self):
        return self.post("")

    def press(self, key):
        self.keys.append(key)
        return self.post("*".join(self.keys))


@pytest.fixture
def yao_phone(yao):
    return str(yao.mobile)


def test_the_home_menu_of_a_member(client, riviera, yao_phone):
    screen = Session(client, yao_phone).dial()
    assert screen.startswith("CON MonQuartier - Riviera 2")
    for line in (
        "1 Lancer une alerte",
        "2 Dernières alertes",
        "3 J'ai vu",
        "4 Mes référents",
        "5 SMS d'alerte",
        "6 Aide",
    ):
        assert line in screen


def test_launch_an_alert_with_a_text(client, riviera, yao, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    assert "Type d'alerte" in session.press("1")
    assert "Écrivez ce qui se passe" in session.press("3")  # Vol
    assert "Envoyer l'alerte Vol" in session.press("deux jeunes ont pris la moto devant le lot 4")
    assert not Alert.objects.exists()  # nothing before the confirmation
    screen = session.press("1")
    assert screen.startswith("END Alerte envoyée à Riviera 2") and "110" in screen
    alert = Alert.objects.get()
    assert (alert.sender, alert.category, alert.source) == (yao, "theft", "ussd")
    assert alert.text == "deux jeunes ont pris la moto devant le lot 4"


def test_an_alert_the_safeguards_flag_is_held_and_the_screen_says_so(
    client, riviera, yao, yao_phone
):
    session = Session(client, yao_phone)
    session.dial()
    session.press("1")
    session.press("3")
    session.press("venez tous avec des machettes on va le frapper")
    screen = session.press("1")
    assert screen.startswith("END ") and "Alerte envoyée" not in screen
    alert = Alert.objects.get()
    assert alert.is_held and alert.source == "ussd"


def test_launch_an_alert_without_text(client, riviera, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    session.press("1")
    session.press("5")  # Incendie
    assert "Envoyer l'alerte Incendie" in session.press("1")
    assert session.press("1").startswith("END Alerte envoyée")
    alert = Alert.objects.get()
    assert alert.category == "fire" and "Incendie" in alert.text


def test_a_replayed_callback_sends_nothing_twice(client, riviera, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    for key in ("1", "2", "1"):
        session.press(key)
    first = session.press("1")
    again = session.post("*".join(session.keys))
    assert first == again and Alert.objects.count() == 1


def test_back_and_home_from_anywhere(client, riviera, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    session.press("1")
    session.press("2")
    assert "Type d'alerte" in session.press("0")
    assert "Lancer une alerte" in session.press("0")
    session.press("1")
    session.press("4")
    assert session.press("00").startswith("CON MonQuartier - Riviera 2")
    assert not Alert.objects.exists()


def test_the_last_three_alerts_one_per_screen(client, riviera, awa, yao_phone):
    for index in range(4):
        services.send_alert(awa, category="suspicious", text=f"Voiture grise numero {index}")
    session = Session(client, yao_phone)
    session.dial()
    screen = session.press("2")
    assert "1/3 Suspect" in screen and "Awa Koné" in screen  # the sender, by name
    assert "numero 3" in screen and "1 Suivante" in screen
    assert "numero 2" in session.press("1")
    last = session.press("1")
    assert "3/3" in last and "numero 1" in last and "Suivante" not in last
    assert "Choix inconnu" in session.press("1")


def test_a_long_alert_is_cut_to_fit_the_screen(client, riviera, awa, yao_phone):
    services.send_alert(awa, category="other", text="Attention " * 45)
    session = Session(client, yao_phone)
    session.dial()
    assert "..." in session.press("2")


def test_i_saw_the_last_alert(client, riviera, awa, yao, yao_phone):
    alert = services.send_alert(awa, category="fire", text="Fumée derrière le marché")
    session = Session(client, yao_phone)
    session.dial()
    assert "Merci" in session.press("3")
    ack = AlertAcknowledgement.objects.get()
    assert (ack.alert, ack.user, ack.channel) == (alert, yao, "ussd")
    session.press("0")
    assert "déjà" in session.press("3")
    assert AlertAcknowledgement.objects.count() == 1


def test_i_saw_with_no_recent_alert(client, riviera, awa, yao_phone):
    alert = services.send_alert(awa, category="fire", text="Fumée derrière le marché")
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(days=3))
    session = Session(client, yao_phone)
    session.dial()
    assert "Aucune alerte récente" in session.press("3")
    assert not AlertAcknowledgement.objects.exists()


def test_my_referents_with_numbers_only_if_shown(client, riviera, awa, yao_phone):
    ange = factories.add_member(
        riviera, referent=True, first_name="Ange", last_name="Ehui", hide_mobile=True
    )
    session = Session(client, yao_phone)
    session.dial()
    screen = session.press("4")
    assert awa.mobile_display in screen and "Ange Ehui (numéro masqué)" in screen
    assert ange.mobile_display not in screen


def test_stop_and_resume_alert_sms(client, riviera, yao, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    assert "1 Arreter les SMS" in session.press("5")
    assert "plus d'alertes par SMS" in session.press("1")
    yao.refresh_from_db()
    assert not yao.alert_sms and SMSOptOut.objects.covers(yao_phone)
    session.press("00")
    assert "1 Reprendre les SMS" in session.press("5")
    session.press("1")
    yao.refresh_from_db()
    assert yao.alert_sms and not SMSOptOut.objects.covers(yao_phone)


def test_help(client, riviera, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    screen = session.press("6")
    assert "110" in screen and "N'intervenez" in screen


def test_a_number_of_two_accounts_chooses_the_community_first(
    client, riviera, riviera3, yao, yao_phone
):
    brother = factories.add_member(
        riviera3, first_name="Koua", last_name="Kouassi", mobile=yao_phone
    )
    session = Session(client, yao_phone)
    screen = session.dial()
    assert "plusieurs comptes" in screen and "1 Riviera 2" in screen and "2 Riviera 3" in screen
    assert session.press("2").startswith("CON MonQuartier - Riviera 3")
    session.press("1")
    session.press("8")
    session.press("1")
    session.press("1")
    assert Alert.objects.get().sender == brother
    assert UssdSession.objects.get().user == brother


def test_an_unknown_number_learns_how_to_join_and_asks_for_a_call_back(
    client, riviera, awa, communes
):
    session = Session(client, "+2250505999999")
    screen = session.dial()
    assert "pas inscrit" in screen and "référent" in screen and "1 Etre rappelé" in screen
    screen = session.press("1")
    assert "Votre commune" in screen and "1 Cocody" in screen
    screen = session.press("1")  # Cocody has one community: straight to the confirmation
    assert "Riviera 2" in screen and "05 05 99 99 99" in screen
    assert session.press("1").startswith("END Demande enregistrée")
    request = CallbackRequest.objects.get()
    assert (request.phone, request.community) == ("+2250505999999", riviera)
    note = Notification.objects.get(event="ussd_callback")
    assert note.recipient == awa and note.data["phone"] == "05 05 99 99 99"
    subject, line = describe(note)
    assert "rappelé" in subject and "05 05 99 99 99" in line and "Riviera 2" in line
    # Once a day per number.
    again = Session(client, "+2250505999999")
    again.dial()
    for key in ("1", "1"):
        again.press(key)
    assert "déjà demandé" in again.press("1")
    assert CallbackRequest.objects.count() == 1


def test_a_commune_with_several_communities_asks_which(client, riviera, riviera3, communes):
    session = Session(client, "+2250505999998")
    session.dial()
    session.press("1")
    screen = session.press("1")
    assert "Votre quartier" in screen and "1 Riviera 2" in screen and "2 Riviera 3" in screen
    assert "Riviera 3" in session.press("2")
    session.press("1")
    assert CallbackRequest.objects.get().community == riviera3


def test_a_pending_member_is_told_so(client, riviera, salif):
    screen = Session(client, str(salif.mobile)).dial()
    assert "attend un référent" in screen and "Riviera 2" in screen


@pytest.mark.parametrize(
    "fields",
    [
        {"sessionId": ""},
        {"phoneNumber": ""},
        {"phoneNumber": "pas un numero"},
        {"phoneNumber": "+33612345678"},
        {"sessionId": "x" * 500},
        {"text": "1*" * 1100},
    ],
)
def test_bad_callbacks_get_a_clear_end_screen(client, riviera, yao_phone, fields):
    screen = Session(client, yao_phone).post(fields.pop("text", ""), **fields)
    assert screen.startswith("END ")
    assert not Alert.objects.exists()


def test_bad_choices_and_long_texts_keep_the_screen_with_a_message(client, riviera, yao_phone):
    session = Session(client, yao_phone)
    session.dial()
    assert "Choix inconnu" in session.press("7")
    assert "Choix inconnu" in session.press("abc")
    assert "Type d'alerte" in session.press("1")
    assert "Écrivez" in session.press("3")
    screen = session.press("y" * 501)
    assert screen.startswith("CON Texte trop long") and "Écrivez" in screen
    assert "Envoyer l'alerte Vol" in session.press("x" * 500)  # 500 is the limit
    assert not Alert.objects.exists()


def test_unknown_and_expired_sessions(client, riviera, yao_phone):
    # Keys of a session we never saw: the menu from the start, nothing done.
    screen = Session(client, yao_phone).post("1*3*vol de moto*1")
    assert screen.startswith("CON Nouvelle session") and not Alert.objects.exists()
    session = Session(client, yao_phone)
    session.dial()
    UssdSession.objects.filter(session_id=session.session_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert "expiré" in session.press("1")
    # A session id reused from another number.
    assert Session(client, "+2250505999997", session.session_id).post("1").startswith("END ")


def test_a_wrong_secret_is_refused(client, riviera, yao_phone):
    response = client.post(
        reverse("ussd:callback", args=["mauvais"]),
        {"sessionId": "a", "phoneNumber": yao_phone, "text": ""},
    )
    assert response.status_code == 403 and not UssdSession.objects.exists()


def test_a_screen_costs_a_bounded_number_of_queries(
    client, riviera, awa, yao_phone, django_assert_max_num_queries
):
    for index in range(5):
        services.send_alert(awa, category="theft", text=f"Vol numero {index}")
    session = Session(client, yao_phone)
    with django_assert_max_num_queries(8):
        session.dial()
    with django_assert_max_num_queries(10):
        session.press("2")
    with django_assert_max_num_queries(12):
        session.press("3")


def test_even_a_bug_of_ours_gives_the_person_a_screen(client, riviera, yao_phone, monkeypatch):
    from monquartier.ussd import menu

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(menu, "start", broken)
    screen = Session(client, yao_phone).dial()
    assert screen.startswith("END ") and "110" in screen


def test_each_screen_comes_back_well_within_a_second(client, riviera, awa, yao_phone):
    import time

    for index in range(30):
        factories.add_member(riviera, first_name=f"Voisin{index}", referent=index < 3)
    for index in range(5):
        services.send_alert(awa, category="theft", text=f"Vol numero {index}")
    timings = []
    for _round in range(5):
        session = Session(client, yao_phone)
        started = time.perf_counter()
        session.dial()
        timings.append(time.perf_counter() - started)
        for key in ("2", "1", "00", "4", "00", "3"):
            started = time.perf_counter()
            session.press(key)
            timings.append(time.perf_counter() - started)
    timings.sort()
    assert timings[-1] < 1.0, timings[-5:]
    print(
        f"USSD screens: median {timings[len(timings) // 2] * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )


def test_an_account_without_community_is_told_so_and_may_ask_for_a_call_back(
    client, issa, communes, riviera
):
    session = Session(client, str(issa.mobile))
    screen = session.dial()
    assert "membre d'aucune communauté" in screen and "1 Etre rappelé" in screen
    assert "Votre commune" in session.press("1")
