"""How town halls react to communities (communities/signals.py), to STOP and REPRENDRE
(alerts/signals.py), and to a deleted alert (the dashboard's daily counts)."""

from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver

from monquartier.alerts.models import Alert
from monquartier.alerts.signals import alert_sms_switched
from monquartier.communities.signals import community_deleted
from monquartier.outbox.rendering import render_email
from monquartier.outbox.tasks import send_email
from monquartier.townhalls import stats
from monquartier.townhalls.models import Agent, TownHallContact


@receiver(community_deleted, dispatch_uid="town_hall_told_of_a_deleted_community")
def tell_contacts_of_a_deleted_community(sender, community, facts, **kwargs):
    contacts = TownHallContact.objects.active().filter(commune=community.commune_id)
    # The contacts have no account: one e-mail each, in the site's language.
    rendered = render_email("townhalls/email/community_deleted", facts, settings.LANGUAGE_CODE)
    for email in contacts.exclude(email="").values_list("email", flat=True):
        send_email.enqueue(
            to=[email], subject=rendered.subject, body=rendered.text, html=rendered.html
        )


@receiver(alert_sms_switched, dispatch_uid="town_hall_agent_stops_or_resumes_alert_sms")
def switch_agents_alert_sms(sender, number: str, receive: bool, **kwargs) -> int:
    """STOP from an agent's number ends their alert SMS too; REPRENDRE gives back those
    STOP ended (not those the agent never asked for)."""
    agents = Agent.objects.filter(user__mobile=number)
    if receive:
        return agents.filter(alert_sms_stopped=True).update(
            receives_alert_sms=True, alert_sms_stopped=False
        )
    return agents.filter(receives_alert_sms=True).update(
        receives_alert_sms=False, alert_sms_stopped=True
    )


@receiver(post_delete, sender=Alert, dispatch_uid="dashboard_stats_alert_deleted")
def count_the_day_of_a_deleted_alert_again(sender, instance, **kwargs):
    stats.mark_deleted(instance)
