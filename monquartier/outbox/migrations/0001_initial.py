"""The outbox's models, moved from notifications (notifications/0008): their tables
keep their names (Meta.db_table) and their data, so only Django's state is created here.
The content types follow, so that admin permissions stay attached."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["devoutboxmessage", "pushsubscription", "scheduledrun", "delivery", "textmessage"]


def _content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="notifications", model__in=MOVED).update(
        app_label="outbox"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('alerts', '0001_initial'),
        ('communities', '0007_french_field_labels'),
        ('notifications', '0008_outbox_models_move_to_outbox'),
        ('townhalls', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='DevOutboxMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('channel', models.CharField(choices=[('email', 'E-mail'), ('sms', 'SMS'), ('push', 'Notification push')], max_length=8, verbose_name='canal')),
                    ('recipient', models.CharField(max_length=320, verbose_name='destinataire')),
                    ('subject', models.CharField(blank=True, max_length=255, verbose_name='objet')),
                    ('body', models.TextField(verbose_name='texte')),
                    ('html', models.TextField(blank=True, verbose_name='version HTML')),
                    ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='envoyé le')),
                ],
                options={
                    'verbose_name': "message de la boîte d'envoi de développement",
                    'verbose_name_plural': "boîte d'envoi de développement",
                    'db_table': 'notifications_devoutboxmessage',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='PushSubscription',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('endpoint', models.URLField(max_length=1000, unique=True)),
                    ('p256dh', models.CharField(max_length=200)),
                    ('auth', models.CharField(max_length=100)),
                    ('user_agent', models.CharField(blank=True, max_length=200)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('last_success_at', models.DateTimeField(blank=True, null=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='push_subscriptions', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'abonnement aux notifications push',
                    'verbose_name_plural': 'abonnements aux notifications push',
                    'db_table': 'notifications_pushsubscription',
                },
            ),
            migrations.CreateModel(
                name='ScheduledRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('job', models.CharField(max_length=64)),
                    ('period', models.CharField(max_length=32)),
                    ('enqueued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ],
                options={
                    'db_table': 'notifications_scheduledrun',
                    'constraints': [models.UniqueConstraint(fields=('job', 'period'), name='one_run_per_period')],
                },
            ),
            migrations.CreateModel(
                name='Delivery',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('channel', models.CharField(choices=[('email', 'E-mail'), ('sms', 'SMS'), ('push', 'Notification push')], max_length=8)),
                    ('address', models.CharField(blank=True, max_length=320)),
                    ('audience', models.CharField(blank=True, max_length=12)),
                    ('status', models.CharField(choices=[('queued', 'en attente'), ('sending', "en cours d'envoi"), ('sent', 'remis au transport'), ('delivered', 'reçu'), ('failed', 'échec'), ('cancelled', 'annulé'), ('skipped', 'sans objet')], default='queued', max_length=10)),
                    ('due_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('claimed_at', models.DateTimeField(blank=True, null=True)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('delivered_at', models.DateTimeField(blank=True, null=True)),
                    ('provider_id', models.CharField(blank=True, max_length=128)),
                    ('last_error', models.CharField(blank=True, max_length=500)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('alert', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='alerts.alert')),
                    ('contact', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='townhalls.townhallcontact')),
                    ('digest', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.digest')),
                    ('notification', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.notification')),
                    ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'envoi',
                    'verbose_name_plural': 'envois',
                    'db_table': 'notifications_delivery',
                    'indexes': [models.Index(condition=models.Q(('contact__isnull', False)), fields=['contact'], name='delivery_contact'), models.Index(condition=models.Q(('status', 'queued')), fields=['channel', 'due_at'], name='delivery_due'), models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='delivery_claimed'), models.Index(condition=models.Q(('provider_id', ''), _negated=True), fields=['provider_id'], name='delivery_provider_id')],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('alert__isnull', False)), fields=('alert', 'user', 'channel'), name='delivery_alert_recipient_channel'), models.UniqueConstraint(condition=models.Q(('alert__isnull', False), ('contact__isnull', False)), fields=('alert', 'contact', 'channel'), name='delivery_alert_contact_channel'), models.UniqueConstraint(condition=models.Q(('notification__isnull', False)), fields=('notification', 'channel'), name='delivery_notification_channel'), models.UniqueConstraint(condition=models.Q(('digest__isnull', False)), fields=('digest', 'channel'), name='delivery_digest_channel')],
                },
            ),
            migrations.CreateModel(
                name='TextMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('purpose', models.CharField(choices=[('reply', 'réponse à un SMS reçu'), ('consent', "demande d'accord d'un voisin inscrit"), ('code', "code de vérification d'un numéro")], max_length=12)),
                    ('to', models.CharField(max_length=20)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('account', models.ForeignKey(blank=True, help_text='Le compte qui a fait partir ce SMS.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='communities.community')),
                ],
                options={
                    'verbose_name': 'SMS envoyé hors alerte',
                    'verbose_name_plural': 'SMS envoyés hors alerte',
                    'db_table': 'notifications_textmessage',
                    'indexes': [models.Index(fields=['to', 'created_at'], name='text_message_by_number'), models.Index(fields=['account', 'created_at'], name='text_message_by_account'), models.Index(fields=['community', 'created_at'], name='text_message_by_community')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_content_types_follow, migrations.RunPython.noop),
    ]
