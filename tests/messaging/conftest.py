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


# The event text handed over for monquartier/notifications/events.py; tests that read the
# e-mail put it in place (it is a no-op once events.py has it).
NEW_MESSAGE_TEXT = (
    "%(sender)s vous a écrit",
    "%(sender)s vous a envoyé un message privé sur MonQuartier. Ouvrez-le pour le lire et répondre.",
)


@pytest.fixture
def new_message_text(monkeypatch):
    from django.utils.translation import gettext as _

    from monquartier.notifications import events

    texts = events._texts

    def with_new_message():
        return {
            **texts(),
            "new_message": (_(NEW_MESSAGE_TEXT[0]), _(NEW_MESSAGE_TEXT[1])),
        }

    monkeypatch.setattr(events, "_texts", with_new_message)


def write(sender, recipients, text="Bonjour voisin !"):
    return services.start_conversation(sender, [person.pk for person in recipients], text)
