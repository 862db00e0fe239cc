from django.core import mail

from monquartier.newsletters.demo import create_demo_newsletters
from monquartier.newsletters.models import Newsletter
from monquartier.outbox.models import Delivery
from monquartier.web.demo import load_demo_data


def test_demo_has_one_sent_newsletter_and_one_draft_and_sends_nothing(db):
    load_demo_data()
    assert create_demo_newsletters() == 0  # idempotent
    assert Newsletter.objects.sent().count() == 1
    assert Newsletter.objects.drafts().count() == 1
    assert Newsletter.objects.sent().get().recipient_count > 0
    assert not Delivery.objects.filter(newsletter__isnull=False).exists()
    titles = set(Newsletter.objects.values_list("title", flat=True))
    assert not any(message.subject in titles for message in mail.outbox)
