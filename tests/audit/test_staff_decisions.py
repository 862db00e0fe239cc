"""Staff decisions of other apps are in the audit log: exclusions, reports, town-hall
subscriptions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from monquartier.alerts.models import Alert
from monquartier.alerts.services import hide_alert
from monquartier.audit.models import AuditEntry
from monquartier.communities.models import Membership
from monquartier.communities.services import accept_join_request, refuse_join_request
from monquartier.messaging import services as messaging
from monquartier.messaging.services import hide_message
from monquartier.moderation import exclusions
from monquartier.moderation import services as moderation
from monquartier.townhalls.models import TownHall
from tests.factories import add_pending, commune, log_in, make_post, make_user


@pytest.fixture
def exclusion(riviera, awa, yao):
    return exclusions.request_exclusion(
        awa, Membership.objects.get(user=yao), "Il menace les voisins depuis des semaines."
    )


def test_an_accepted_exclusion_is_recorded_with_the_member(mariam, exclusion, yao):
    exclusions.accept_exclusion(mariam, exclusion, note="Menaces confirmées.")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.member, entry.action) == (mariam, yao, "exclusion.accepted")
    assert entry.reason == "Menaces confirmées."
    assert entry.target == f"moderation.exclusionrequest:{exclusion.pk}"


def test_a_rejected_exclusion_is_recorded(mariam, exclusion, yao):
    exclusions.reject_exclusion(mariam, exclusion)
    assert AuditEntry.objects.get().action == "exclusion.rejected"


def test_a_refused_decision_records_nothing(awa, exclusion):
    with pytest.raises(PermissionDenied):
        exclusions.accept_exclusion(awa, exclusion)
    assert not AuditEntry.objects.exists()


def test_a_report_decision_is_recorded_about_the_author(mariam, riviera, awa, yao):
    post = make_post(awa, title="Vends générateur")
    report = moderation.report(yao, "post", post.pk, reason="spam")
    moderation.hide_reported_item(mariam, report, note="Arnaque connue.")
    entry = AuditEntry.objects.get(action="report.hidden")
    assert (entry.member, entry.target) == (awa, f"post:{post.pk}")
    assert entry.details["reports"] == [report.pk]
    # Hiding the post is recorded by the gazette itself.
    hidden = AuditEntry.objects.get(action="post.hide")
    assert (hidden.member, hidden.target) == (awa, f"gazette.post:{post.pk}")


def test_hiding_an_alert_or_a_message_is_recorded(mariam, riviera, awa, yao):
    alert = Alert.objects.create(community=riviera, sender=yao, category="suspect", text="x")
    hide_alert(mariam, alert, "Fausse alerte.")
    conversation = messaging.start_conversation(awa, [yao.pk], "Bonjour voisin")
    message = conversation.conversation.messages.get()
    hide_message(mariam, message, "Insulte.")
    entries = {entry.action: entry for entry in AuditEntry.objects.all()}
    assert entries["alert.hide"].member == yao
    assert entries["alert.hide"].reason == "Fausse alerte."
    assert entries["message.hide"].member == awa


def test_join_requests_staff_decide_are_recorded_not_the_referents(mariam, riviera, awa):
    first = add_pending(riviera, make_user("Salif", "Touré"))
    accept_join_request(mariam, first)
    second = add_pending(riviera, make_user("Ama", "Yeboua"))
    refuse_join_request(awa, second, "Domicile hors du quartier.")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.member) == ("join.accepted", first.user)


def test_town_hall_subscriptions_in_the_admin_are_recorded(client, db):
    nadia = make_user("Nadia", "Traoré", is_staff=True, is_superuser=True)
    log_in(client, nadia)
    data = {
        "commune": commune("cocody").pk,
        "name": "Mairie de Cocody",
        "starts_on": "2026-01-01",
        "validation": "referents",
        "sms_quota_per_month": "2000",
        "created_at_0": "2026-01-01",
        "created_at_1": "09:00:00",
        "agents-TOTAL_FORMS": "0",
        "agents-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:townhalls_townhall_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    town_hall = TownHall.objects.get()
    change = reverse("admin:townhalls_townhall_change", args=[town_hall.pk])
    client.post(change, {**data, "sms_quota_per_month": "500"})
    client.post(change, {**data, "sms_quota_per_month": "500", "ends_on": "2026-12-31"})

    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "details"))
    assert [action for action, _details in actions] == [
        "townhall.create",
        "townhall.change",
        "townhall.end",
    ]
    assert "sms_quota_per_month" in actions[1][1]["fields"]
    assert actions[2][1]["ends_on"] == "2026-12-31"
