"""E-mail backend for development and the demo: print, and keep a copy for the dev outbox page."""

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

from monquartier.outbox.models import Channel, DevOutboxMessage


def _html_part(message) -> str:
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            return content
    return ""


class DevOutboxEmailBackend(ConsoleEmailBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        DevOutboxMessage.objects.bulk_create(
            DevOutboxMessage(
                channel=Channel.EMAIL,
                recipient=", ".join(message.recipients()),
                subject=message.subject[:255],
                body=message.body,
                html=_html_part(message),
            )
            for message in email_messages
        )
        return sent
