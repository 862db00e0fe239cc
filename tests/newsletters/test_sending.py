"""The newsletter: who receives it, the test send, the one send, the outbox's e-mail."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from monquartier.audit.models import AuditEntry
from monquartier.newsletters import services
from monquartier.newsletters.audience import recipients
from monquartier.newsletters.models import Audience, Newsletter
from monquartier.newsletters.tokens import unsubscribe_token
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from tests import factories


def after_a_test(newsletter: Newsletter, staff) -> Newsletter:
    services.send_test(staff, newsletter)
    mail.outbox.clear()
    return newsletter


def names(users) -> set[str]:
    return {user.first_name for user in users}


def test_all_members_audience_is_the_subscribed_active_members(subscribed, niangon, draft):
    factories.add_member(subscribed, first_name="Paul", newsletter=False)  # not subscribed
    factories.add_pending(subscribed, first_name="Salif", newsletter=True)  # not a member yet
    assert names(recipients(draft)) == {"Awa", "Yao", "Issa"}


def test_referents_audience(subscribed, niangon, draft):
    draft.audience = Audience.REFERENTS
    assert names(recipients(draft)) == {"Awa", "Issa"}


def test_commune_audience_is_the_members_of_its_communities(subscribed, niangon, draft):
    draft.audience = Audience.COMMUNE
    draft.commune = factories.commune("yopougon")
    assert names(recipients(draft)) == {"Issa"}
    draft.commune = factories.commune("cocody")
    assert names(recipients(draft)) == {"Awa", "Yao"}


def test_unverified_missing_or_closed_addresses_are_left_out(subscribed, draft, yao):
    factories.add_member(subscribed, first_name="Paul", newsletter=True, verified_email=False)
    factories.add_member(subscribed, first_name="Ali", newsletter=True, email="")
    closed = factories.add_member(subscribed, first_name="Ines", newsletter=True)
    closed.closed_at = timezone.now()
    closed.save(update_fields=["closed_at"])
    assert names(recipients(draft)) == {"Awa", "Yao"}


def test_a_commune_letter_needs_its_commune_and_only_then(draft):
    draft.audience = Audience.COMMUNE
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert "commune" in error.value.message_dict
    draft.audience = Audience.REFERENTS
    draft.commune = factories.commune("cocody")
    with pytest.raises(ValidationError):
        draft.full_clean()


def test_test_send_goes_to_the_staff_member_alone_with_the_unsubscribe_headers(
    subscribed, draft, staff
):
    services.send_test(staff, draft)
    [sent] = mail.outbox
    assert sent.to == [staff.email]
    assert sent.subject == "Les nouveautés de décembre"
    assert f"/u/{unsubscribe_token(staff.pk)}/" in sent.extra_headers["List-Unsubscribe"]
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<strong>centre d&#x27;aide</strong>" in sent.alternatives[0][0]
    assert "**" not in sent.body
    assert not Delivery.objects.exists()
    assert AuditEntry.objects.get(action="newsletter.test_send").actor == staff


def test_sending_needs_a_test_of_the_last_version(subscribed, draft, staff):
    with pytest.raises(ValidationError):
        services.send_newsletter(staff, draft.pk)
    after_a_test(draft, staff)
    draft.text += "\n\nUne ligne de plus."
    draft.save()  # an edit after the test
    with pytest.raises(ValidationError):
        services.send_newsletter(staff, draft.pk)
    assert not Delivery.objects.exists()


def test_send_writes_one_delivery_per_recipient_and_sends_them(subscribed, draft, staff, awa):
    after_a_test(draft, staff)
    sent = services.send_newsletter(staff, draft.pk)
    assert sent.recipient_count == 2
    rows = Delivery.objects.filter(newsletter=draft)
    assert {(row.user_id, row.channel) for row in rows} == {
        (user.pk, Channel.EMAIL) for user in recipients(draft)
    }
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"awa.kone@exemple.ci", "yao.kouassi@exemple.ci"}
    awa_mail = by_address["awa.kone@exemple.ci"]
    assert f"/u/{unsubscribe_token(awa.pk)}/" in awa_mail.body
    assert f"/u/{unsubscribe_token(awa.pk)}/" in awa_mail.extra_headers["List-Unsubscribe"]
    entry = AuditEntry.objects.get(action="newsletter.send")
    assert entry.details["recipients"] == 2
    assert entry.target == f"newsletters.newsletter:{draft.pk}"


def test_a_newsletter_goes_only_once(subscribed, draft, staff):
    after_a_test(draft, staff)
    services.send_newsletter(staff, draft.pk)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="déjà partie"):
        services.send_newsletter(staff, draft.pk)
    with pytest.raises(ValidationError, match="déjà partie"):
        services.send_test(staff, Newsletter.objects.get(pk=draft.pk))
    assert mail.outbox == []
    assert Delivery.objects.filter(newsletter=draft).count() == 2
    # Even a second write of the rows (a retried statement) adds nothing.
    assert services._write_deliveries(draft) == 0


def test_only_staff_send(subscribed, draft, awa):
    with pytest.raises(ValidationError):
        services.send_test(awa, draft)
    with pytest.raises(ValidationError):
        services.send_newsletter(awa, draft.pk)


def test_a_member_who_unsubscribes_after_the_send_gets_nothing(
    subscribed, draft, staff, yao, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    after_a_test(draft, staff)
    services.send_newsletter(staff, draft.pk)
    services.unsubscribe(yao.pk)
    from monquartier.outbox import sender

    sender.deliver(Channel.EMAIL)
    assert [message.to for message in mail.outbox] == [["awa.kone@exemple.ci"]]
    assert Delivery.objects.get(user=yao).status == DeliveryStatus.CANCELLED


def test_test_sends_are_flood_limited(subscribed, draft, staff, settings):
    settings.FLOOD_LIMITS = {**settings.FLOOD_LIMITS, "newsletter_test": (2, 3600)}
    services.send_test(staff, draft)
    services.send_test(staff, draft)
    with pytest.raises(ValidationError):
        services.send_test(staff, draft)
    assert len(mail.outbox) == 2
