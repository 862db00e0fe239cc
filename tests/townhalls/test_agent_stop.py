"""STOP from a town-hall agent's number (by SMS, or 5 in the USSD menu) ends the alert
SMS the agent chose in the console; REPRENDRE gives back only what STOP ended. The
alerts app tells the town halls through alerts/signals.py, never importing them."""

import pytest

from monquartier.alerts.sms_intake import set_alert_sms
from monquartier.outbox.models import SMSOptOut
from monquartier.townhalls.models import Agent
from tests import factories
from tests.alerts.test_sms_intake import at_sms
from tests.ussd.test_menu import Session


@pytest.fixture
def agent(cocody_town_hall):
    return factories.make_agent(
        cocody_town_hall, "Bamba", "Sita", mobile="+2250709111222", receives_alert_sms=True
    )


def _row(user) -> Agent:
    return Agent.objects.get(user=user)


def test_stop_by_sms_switches_the_agent_off_and_reprendre_back_on(client, agent, sms_outbox):
    number = str(agent.mobile)
    assert at_sms(client, number, "STOP", message_id="m1").status_code == 200
    row = _row(agent)
    assert (row.receives_alert_sms, row.alert_sms_stopped) == (False, True)
    assert SMSOptOut.objects.covers(number)
    assert "REPRENDRE" in sms_outbox[-1].text
    at_sms(client, number, "REPRENDRE", message_id="m2")
    row = _row(agent)
    assert (row.receives_alert_sms, row.alert_sms_stopped) == (True, False)
    assert not SMSOptOut.objects.covers(number)


def test_reprendre_does_not_switch_on_an_agent_who_never_asked(cocody_town_hall):
    quiet = factories.make_agent(cocody_town_hall, "Koné", "Ali", mobile="+2250709111333")
    assert set_alert_sms(str(quiet.mobile), receive=False)  # the opt-out is new
    set_alert_sms(str(quiet.mobile), receive=True)
    assert not _row(quiet).receives_alert_sms


def test_a_choice_in_the_console_clears_what_stop_did(client, agent):
    from django.urls import reverse

    set_alert_sms(str(agent.mobile), receive=False)
    factories.log_in(client, agent)
    page = client.get(reverse("townhalls:settings")).content.decode()
    assert 'id="number-stopped"' in page and "REPRENDRE" in page
    assert client.post(reverse("townhalls:settings"), {}).status_code == 302
    set_alert_sms(str(agent.mobile), receive=True)
    row = _row(agent)
    assert (row.receives_alert_sms, row.alert_sms_stopped) == (False, False)
    assert 'id="number-stopped"' not in client.get(reverse("townhalls:settings")).content.decode()


def test_stop_from_the_ussd_menu_of_a_member_sharing_the_agents_number(client, riviera, agent):
    member = factories.add_member(
        riviera, first_name="Kouadio", last_name="Sita", mobile=agent.mobile
    )
    session = Session(client, str(member.mobile))
    session.dial()
    session.press("5")
    assert "C'est fait" in session.press("1")
    assert not _row(agent).receives_alert_sms
    session.press("0")
    session.press("1")
    assert _row(agent).receives_alert_sms
