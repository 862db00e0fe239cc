import pytest
from django.urls import reverse

from monquartier.alerts import services as alert_services
from monquartier.communities.models import Membership
from monquartier.moderation import services
from monquartier.moderation.models import ExclusionRequest, Report
from monquartier.notifications.models import Notification
from tests import factories


@pytest.fixture
def post(riviera, awa):
    return factories.make_post(
        awa, title="Vends téléphone volé", text="Pas cher, pas de questions."
    )


def test_a_member_reports_a_post_once(client, post, yao):
    factories.log_in(client, yao)
    url = reverse("moderation:report", args=["post", post.pk])
    page = client.get(url).content.decode()
    assert "Vends téléphone volé" in page
    response = client.post(url, {"reason": "spam", "details": "Objet sans doute volé."})
    assert response["Location"] == reverse("gazette:detail", args=[post.pk])
    report = Report.objects.get()
    assert (report.kind, report.object_id, report.author, report.community) == (
        "post",
        post.pk,
        post.author,
        post.community,
    )
    response = client.post(url, {"reason": "spam"})
    assert response.status_code == 200 and "déjà signalé" in response.content.decode()
    assert Report.objects.count() == 1


def test_reporting_needs_a_reason(client, post, yao):
    factories.log_in(client, yao)
    response = client.post(
        reverse("moderation:report", args=["post", post.pk]), {"reason": "dunno"}
    )
    assert response.context["form"].errors["reason"]
    assert not Report.objects.exists()


def test_one_cannot_report_what_one_cannot_read_or_wrote(
    client, post, awa, issa, salif, aya, twinned
):
    for person in (issa, salif, aya):
        factories.log_in(client, person)
        assert client.get(reverse("moderation:report", args=["post", post.pk])).status_code == 404
        assert (
            client.post(
                reverse("moderation:report", args=["post", post.pk]), {"reason": "spam"}
            ).status_code
            == 404
        )
    factories.log_in(client, awa)
    client.post(reverse("moderation:report", args=["post", post.pk]), {"reason": "spam"})
    assert not Report.objects.exists()
    assert client.get(reverse("moderation:report", args=["nothing", 1])).status_code == 404


def test_twinned_members_may_report_an_alert_they_received(client, riviera, awa, aya, twinned):
    # The safeguards now stop such a text before it is sent; one that went out anyway (a
    # référent approved it) is reported by those who received it.
    alert = alert_services.send_alert(awa, category="other", text="Deux hommes louches au lot 3")
    alert.text = "Les Burkinabè du lot 3 sont suspects"
    alert.save(update_fields=["text"])
    factories.log_in(client, aya)
    client.post(
        reverse("moderation:report", args=["alert", alert.pk]), {"reason": "discrimination"}
    )
    assert Report.objects.get().kind == "alert"


def test_staff_hide_the_item_and_every_reporter_learns_it(post, yao, mariam, riviera):
    other = factories.add_member(riviera, first_name="Ange", last_name="Ehui")
    first = services.report(yao, "post", post.pk, reason="spam")
    services.report(other, "post", post.pk, reason="other", details="louche")
    services.hide_reported_item(mariam, first)
    post.refresh_from_db()
    assert post.is_hidden
    assert set(Report.objects.values_list("status", flat=True)) == {"hidden"}
    told = Notification.objects.filter(event="report_decided")
    assert {notification.recipient for notification in told} == {yao, other}


def test_staff_dismiss(post, yao, mariam):
    report = services.report(yao, "post", post.pk, reason="spam")
    services.dismiss(mariam, report, "Annonce légitime")
    post.refresh_from_db()
    assert not post.is_hidden
    assert Report.objects.get().status == "dismissed"
    assert Notification.objects.get(event="report_decided").data["outcome"] == "classé sans suite"


def test_staff_open_an_exclusion_request_from_a_report(post, awa, yao, mariam):
    report = services.report(yao, "post", post.pk, reason="spam")
    exclusion = services.request_author_exclusion(mariam, report)
    assert (exclusion.member, exclusion.status) == (awa, "pending")
    assert ExclusionRequest.objects.count() == 1
    assert Membership.objects.get(user=awa).status == "active"  # decided in the exclusion queue


def test_only_staff_decide(post, yao, awa):
    from django.core.exceptions import PermissionDenied

    report = services.report(yao, "post", post.pk, reason="spam")
    with pytest.raises(PermissionDenied):
        services.hide_reported_item(awa, report)


def test_the_staff_queue_in_the_admin(client, post, yao, mariam):
    report = services.report(yao, "post", post.pk, reason="spam")
    mariam.is_superuser = True
    mariam.save()
    factories.log_in(client, mariam)
    page = client.get(reverse("admin:moderation_report_changelist")).content.decode()
    assert "Vends téléphone volé" in page
    client.post(
        reverse("admin:moderation_report_changelist"),
        {"action": "hide_item", "_selected_action": [report.pk]},
    )
    post.refresh_from_db()
    assert post.is_hidden


def test_a_hidden_post_disappears_for_members(client, post, yao, mariam):
    report = services.report(yao, "post", post.pk, reason="spam")
    services.hide_reported_item(mariam, report)
    factories.log_in(client, yao)
    assert client.get(reverse("gazette:detail", args=[post.pk])).status_code == 404
