import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from monquartier.alerts.models import InboundSMS, InboundStatus
from monquartier.outbox.models import SMSOptOut

backfill = importlib.import_module(
    "monquartier.alerts.migrations.0003_sms_opt_outs_from_past_stops"
)


def received(sender: str, detail: str, minutes_ago: int, index: int) -> None:
    InboundSMS.objects.create(
        provider="dev",
        provider_message_id=str(index),
        sender=sender,
        text=detail.upper(),
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
        status=InboundStatus.COMMAND,
        detail=detail,
    )


def test_the_numbers_whose_last_word_was_stop_are_opted_out(db):
    received("+2250707000001", "stop", 30, 1)
    received("+2250707000002", "stop", 30, 2)
    received("+2250707000002", "start", 10, 3)  # changed their mind
    received("+2250707000003", "start", 30, 4)
    received("+2250707000003", "stop", 10, 5)
    SMSOptOut.objects.create(number="+2250707000003")  # already recorded: kept once
    backfill.record_past_stops(apps, None)
    assert set(SMSOptOut.objects.values_list("number", flat=True)) == {
        "+2250707000001",
        "+2250707000003",
    }
