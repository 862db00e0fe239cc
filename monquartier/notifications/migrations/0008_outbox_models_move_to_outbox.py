"""The outbox's models move to the outbox app (outbox/migrations/0001_initial.py): only
Django's idea of them changes here; the tables stay as they are, with their data."""

from django.db import migrations


MOVED = ["devoutboxmessage", "pushsubscription", "scheduledrun", "delivery", "textmessage"]


def _content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="notifications", model__in=MOVED).update(
        app_label="outbox"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0007_text_message_code_purpose'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='delivery',
                name='alert',
            ),
            migrations.RemoveField(
                model_name='delivery',
                name='contact',
            ),
            migrations.RemoveField(
                model_name='delivery',
                name='digest',
            ),
            migrations.RemoveField(
                model_name='delivery',
                name='notification',
            ),
            migrations.RemoveField(
                model_name='delivery',
                name='user',
            ),
            migrations.DeleteModel(
                name='DevOutboxMessage',
            ),
            migrations.RemoveField(
                model_name='pushsubscription',
                name='user',
            ),
            migrations.DeleteModel(
                name='ScheduledRun',
            ),
            migrations.RemoveField(
                model_name='textmessage',
                name='account',
            ),
            migrations.RemoveField(
                model_name='textmessage',
                name='community',
            ),
            migrations.DeleteModel(
                name='Delivery',
            ),
            migrations.DeleteModel(
                name='PushSubscription',
            ),
            migrations.DeleteModel(
                name='TextMessage',
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_types_follow, migrations.RunPython.noop),
    ]
