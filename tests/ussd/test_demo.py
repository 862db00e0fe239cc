from monquartier.alerts.models import AlertAcknowledgement
from monquartier.notifications.models import Notification
from monquartier.ussd.demo import create_demo_basic_phones
from monquartier.ussd.models import CallbackRequest, UssdSession
from monquartier.web.demo import load_demo_data


def test_the_demo_has_acknowledgements_and_a_call_back_request_and_notifies_no_one(db):
    load_demo_data()
    assert AlertAcknowledgement.objects.count() > 0
    assert set(AlertAcknowledgement.objects.values_list("channel", flat=True)) <= {
        "web",
        "sms",
        "ussd",
    }
    assert CallbackRequest.objects.count() == 1
    assert not Notification.objects.filter(event="ussd_callback").exists()
    sessions = UssdSession.objects.count()
    assert sessions == AlertAcknowledgement.objects.filter(channel="ussd").count() + 1
    assert create_demo_basic_phones() == (0, 0)  # idempotent
    assert UssdSession.objects.count() == sessions
