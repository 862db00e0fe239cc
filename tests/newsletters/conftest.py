import pytest

from monquartier.accounts.models import User
from monquartier.newsletters.models import Audience, Newsletter
from tests import factories

NIANGON = (5.3265, -4.1060)


@pytest.fixture
def subscribed(riviera, awa, yao):
    """Awa (référente of Riviera 2, Cocody) and Yao (member) asked for the letter."""
    User.objects.filter(pk__in=[awa.pk, yao.pk]).update(newsletter=True)
    return riviera


@pytest.fixture
def niangon(issa):
    """A community of Yopougon, Issa its référent, subscribed."""
    User.objects.filter(pk=issa.pk).update(newsletter=True)
    return factories.make_community(issa, name="Niangon", centre=NIANGON, commune_slug="yopougon")


@pytest.fixture
def staff(mariam):
    mariam.is_superuser = True
    mariam.save(update_fields=["is_superuser"])
    return mariam


@pytest.fixture
def staff_client(client, staff):
    factories.log_in(client, staff)
    return client


@pytest.fixture
def draft(staff):
    return Newsletter.objects.create(
        title="Les nouveautés de décembre",
        text="Bonjour à tous,\n\nLe **centre d'aide** est ouvert : https://monquartier.ci/aide/\n\n- un\n- deux",
        audience=Audience.MEMBERS,
        created_by=staff,
    )
