"""The numbers whose last command was STOP become opt-outs (outbox.SMSOptOut), which the
SMS intake writes from now on: an invitation never goes to a number that said STOP
before this table existed."""

from django.db import migrations


def record_past_stops(apps, schema_editor):
    InboundSMS = apps.get_model("alerts", "InboundSMS")
    SMSOptOut = apps.get_model("outbox", "SMSOptOut")
    last_command: dict[str, tuple] = {}
    commands = (
        InboundSMS.objects.filter(detail__in=["stop", "start"])
        .order_by("received_at", "pk")
        .values_list("sender", "detail", "received_at")
        .iterator()
    )
    for sender, detail, received_at in commands:
        last_command[sender] = (detail, received_at)
    SMSOptOut.objects.bulk_create(
        [
            SMSOptOut(number=sender, created_at=received_at)
            for sender, (detail, received_at) in last_command.items()
            if detail == "stop"
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_alert_seen_by_town_hall"),
        ("outbox", "0004_invitations_and_sms_opt_outs"),
    ]

    operations = [migrations.RunPython(record_past_stops, migrations.RunPython.noop)]
