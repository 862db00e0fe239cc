"""Background work of the outbox, run by the django-tasks database worker
(manage.py db_worker). (The scheduler's own task is in scheduler.py.)

Task rows are written in the transaction of whatever caused them: an alert and the task
that fans it out exist together or not at all.
"""

import logging

from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from monquartier.outbox import sender
from monquartier.outbox.models import TextMessage
from monquartier.outbox.sms import send_sms
from monquartier.outbox.sms.costs import sms_cost

logger = logging.getLogger(__name__)


@task()
def send_email(
    *, to: list[str], subject: str, body: str, html: str = "", from_email: str = ""
) -> int:
    """A one-off e-mail outside the outbox (allauth's: verification, password reset)."""
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email or None, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@task()
def send_text_message(*, to: str, text: str, record_id: int | None = None) -> str:
    """One SMS outside the alert outbox: verification codes, replies to SMS commands.
    With record_id, its counted row (TextMessage) gets the provider and the cost."""
    sent = send_sms(to, text)
    if record_id is not None:
        TextMessage.objects.filter(pk=record_id).update(
            provider=sent.provider[:32], cost=sms_cost(sent.provider, to, text)
        )
    logger.info("SMS handed to the gateway for %s (id %s)", to[:-4] + "****", sent.provider_id)
    return sent.provider_id


@task(priority=5)
def deliver(*, channel: str) -> int:
    """Send what is due on one channel for a while; if work remains, a fresh task goes
    on (a task never holds a worker for long)."""
    handled, more = sender.deliver(channel)
    if more:
        deliver.enqueue(channel=channel)
    return handled
