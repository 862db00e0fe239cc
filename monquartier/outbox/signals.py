"""What the outbox tells the apps above it.

`sms_received`: an SMS provider's webhook brought messages (`provider`, the provider's
name; `messages`, the parsed InboundMessage list). The alerts' SMS intake answers it
(alerts/sms_intake.py). Sent inside the webhook's request: receivers record what they
keep in their own transactions.
"""

from django.dispatch import Signal

sms_received = Signal()
