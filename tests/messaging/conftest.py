"""Messaging personas on top of tests/conftest.py: Ange, a third member of Riviera 2, and
a conversation Awa started with Yao and Ange."""

import pytest

from monquartier.messaging import services
from tests import factories


@pytest.fixture
def ange(riviera):
    return factories.add_member(
        riviera, first_name="Ange", last_name="Ehui", email="ange.ehui@exemple.ci"
    )


@pytest.fixture
def bintou(riviera):
    """A member of Riviera 2 whom nobody chose."""
    return factories.add_member(
        riviera, first_name="Bintou", last_name="Cissé", email="bintou.cisse@exemple.ci"
    )


@pytest.fixture
def conversation(riviera, awa, yao, ange):
    return services.start_conversation(
        awa, [yao.pk, ange.pk], "Réunion de quartier samedi à 10 h, chez moi."
    ).conversation


def write(sender, recipients, text="Bonjour voisin !"):
    return services.start_conversation(sender, [person.pk for person in recipients], text)
