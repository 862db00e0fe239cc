"""One transport per channel, each with one `send` taking a batch and returning one
outcome per message: Sent, or Failed saying whether a retry could help.

SMS goes through the SMS backend chosen in settings (sms/), push through push.py; this
module adapts both, and sends e-mail over SMTP with Django's e-mail backend, one
connection for the whole batch.
"""

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from monquartier.notifications.sms import SMSError, SMSMessage, get_sms_backend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    provider_id: str = ""


@dataclass(frozen=True)
class Failed:
    detail: str
    permanent: bool


Outcome = Sent | Failed


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    message_id: str  # ours, so that a sink or a log can tell two sends of one delivery


class EmailTransport:
    def send(self, emails: Sequence[Email]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            connection = get_connection(fail_silently=False)
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            return [Failed(f"SMTP: {error}", permanent=False)] * len(emails)
        try:
            for index, email in enumerate(emails):
                message = EmailMultiAlternatives(
                    email.subject, email.text, to=[email.to], connection=connection
                )
                message.extra_headers["Message-ID"] = email.message_id
                if email.html:
                    message.attach_alternative(email.html, "text/html")
                try:
                    message.send()
                    outcomes.append(Sent(email.message_id))
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _text in error.recipients.values()]
                    outcomes.append(
                        Failed(f"refused: {codes}", permanent=all(code >= 500 for code in codes))
                    )
                except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                    outcomes.append(
                        Failed(f"SMTP {error.smtp_code}", permanent=error.smtp_code >= 500)
                    )
                except (TimeoutError, OSError, smtplib.SMTPException) as error:
                    # The connection is gone: the rest of the batch waits for the retry.
                    remaining = len(emails) - index
                    outcomes.extend([Failed(f"SMTP: {error}", permanent=False)] * remaining)
                    break
        finally:
            try:
                connection.close()
            except (OSError, smtplib.SMTPException):
                logger.warning("Could not close the SMTP connection cleanly")
        return outcomes


class SMSTransport:
    def send(self, messages: Sequence[SMSMessage]) -> list[Outcome]:
        try:
            results = get_sms_backend(**settings.SMS_BACKEND_OPTIONS).send_messages(list(messages))
        except Exception as error:  # a backend bug must not lose the batch: retry later
            logger.exception("SMS backend failed on a batch of %s", len(messages))
            return [Failed(f"backend: {error}", permanent=False)] * len(messages)
        return [
            Failed(result.detail, permanent=result.permanent)
            if isinstance(result, SMSError)
            else Sent(result.provider_id)
            for result in results
        ]
