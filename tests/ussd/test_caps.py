"""USSD sessions are billed to us: new ones are capped per number and per community, a
refused one gets a clear END screen and is counted all the same, and the rows stay for
the cost pages while what was typed goes a day after expiry."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from monquartier.ussd.jobs import prune_ussd
from monquartier.ussd.models import UssdSession
from tests import factories
from tests.ussd.test_menu import Session

LIMITS = {"ussd_session": (3, 24 * 3600), "ussd_session_community": (5, 24 * 3600)}


@pytest.fixture
def caps(settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, **LIMITS}


def test_a_number_past_its_daily_sessions_gets_a_clear_end_screen(caps, client, riviera, yao):
    phone = str(yao.mobile)
    for _k in range(3):
        assert Session(client, phone).dial().startswith("CON MonQuartier - Riviera 2")
    refused = Session(client, phone)
    screen = refused.dial()
    assert screen.startswith("END ") and "3 fois aujourd'hui" in screen and "110" in screen
    # A replay of the refused callback: the same screen, nothing more counted.
    assert refused.dial() == screen
    assert refused.press("1") == screen
    assert UssdSession.objects.filter(phone=phone).count() == 4
    assert UssdSession.objects.filter(refused=True).count() == 1
    assert set(UssdSession.objects.values_list("community", flat=True)) == {riviera.pk}
    # A session already open goes on; a day later the number may dial again.
    UssdSession.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert Session(client, phone).dial().startswith("CON MonQuartier")


def test_a_community_past_its_daily_sessions_refuses_its_members_only(
    caps, client, riviera, riviera3, yao
):
    members = [
        factories.add_member(riviera, first_name="Voisin", last_name=f"N{k}") for k in range(3)
    ]
    for member in [yao, *members]:
        Session(client, str(member.mobile)).dial()
        Session(client, str(member.mobile)).dial() if member == yao else None
    assert UssdSession.objects.filter(community=riviera).count() == 5
    screen = Session(client, str(members[0].mobile)).dial()
    assert screen.startswith("END ") and "votre quartier a trop servi" in screen
    assert "ALERTE par SMS" in screen
    other = riviera3.memberships.get().user
    assert Session(client, str(other.mobile)).dial().startswith("CON MonQuartier - Riviera 3")


def test_an_unknown_number_is_capped_too(caps, client, riviera):
    for _k in range(3):
        assert Session(client, "+2250505999991").dial().startswith("CON ")
    assert "3 fois" in Session(client, "+2250505999991").dial()
    assert UssdSession.objects.filter(community__isnull=True).count() == 4


@override_settings(FLOOD_LIMITS={**LIMITS})
def test_the_session_of_a_shared_number_counts_for_the_community_chosen(
    client, riviera, riviera3, yao
):
    phone = str(yao.mobile)
    factories.add_member(riviera3, first_name="Koua", last_name="Kouassi", mobile=phone)
    session = Session(client, phone)
    session.dial()
    assert UssdSession.objects.get().community is None
    session.press("2")
    assert UssdSession.objects.get().community == riviera3


def test_pruning_keeps_the_count_and_forgets_what_was_typed(client, riviera, yao):
    session = Session(client, str(yao.mobile))
    session.dial()
    session.press("4")
    UssdSession.objects.update(expires_at=timezone.now() - timedelta(days=2))
    prune_ussd("daily")
    kept = UssdSession.objects.get()
    assert (kept.state, kept.last_text, kept.last_screen, kept.user) == ({}, "", "", None)
    assert kept.community == riviera
    UssdSession.objects.update(created_at=timezone.now() - timedelta(days=91))
    prune_ussd("daily")
    assert not UssdSession.objects.exists()
