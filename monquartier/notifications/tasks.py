"""Background work for messages that must leave the request: the request answers at once
and the worker (manage.py db_worker) talks to the SMTP server and the SMS gateway."""

import logging

from django.core.mail import EmailMultiAlternatives
from django_tasks import task

from monquartier.notifications.sms import send_sms

logger = logging.getLogger(__name__)


@task()
def send_email(
    *, to: list[str], subject: str, body: str, html: str = "", from_email: str = ""
) -> int:
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=from_email or None, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@task()
def send_text_message(*, to: str, text: str) -> str:
    """One SMS outside the alert outbox: verification codes, replies to SMS commands."""
    sent = send_sms(to, text)
    logger.info("SMS handed to the gateway for %s (id %s)", to[:-4] + "****", sent.provider_id)
    return sent.provider_id
