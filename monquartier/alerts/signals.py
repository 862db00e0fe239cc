"""What the alerts app tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent by sms_intake.set_alert_sms (STOP or REPRENDRE by SMS, 5 in the USSD menu), in its
# transaction, with `number` (E.164) and `receive` (False: STOP). A receiver switches the
# alert SMS it sends to that number off or back on, and returns how many rows it changed.
# Town halls switch their agents' "also by SMS" this way (townhalls/receivers.py).
alert_sms_switched = Signal()
