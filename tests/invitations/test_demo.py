import pytest
from django.test import Client
from django.urls import reverse

from monquartier.accounts.demo import create_demo_people, email_for
from monquartier.accounts.models import User
from monquartier.communities import privacy
from monquartier.communities.demo import create_demo_communities
from monquartier.invitations.demo import create_demo_invitations
from monquartier.invitations.models import Invitation, InvitedSignup
from monquartier.outbox.models import Delivery, DeliveryStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_invitations_load_twice_send_nothing_and_one_joined(sms_outbox):
    create_demo_people()
    create_demo_communities()
    assert create_demo_invitations() == 3
    assert create_demo_invitations() == 0
    yao = User.objects.get(email=email_for("Yao", "Kouassi"))
    assert Invitation.objects.sent_by(yao).count() == 3
    assert (
        not Delivery.objects.filter(invitation__isnull=False)
        .exclude(status=DeliveryStatus.SENT)
        .exists()
    )
    assert not sms_outbox
    joined = InvitedSignup.objects.get().user
    client = Client()
    factories.log_in(client, yao)
    page = client.get(reverse("invitations:sent")).content.decode()
    assert f"{privacy.name_seen_by(yao, joined)} — a rejoint la communauté" in page
