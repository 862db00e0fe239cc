"""Erasing what a closed account leaves behind, after the period of docs/retention.md.

Closing an account erases the person's name, contacts, address, photo and profile at
once (services.close_account). What stays for a while is what the platform needs to
settle the account's last days (a dispute, a report, a message in flight): the outbox
rows addressed to it, its notifications, its devices, its second factor. After
CLOSED_ACCOUNT_TRACES_DAYS the daily job deletes those, in batches of bounded size,
each its own transaction; apps above accounts delete theirs on closed_accounts_expiring.
What the person published (alerts, posts, messages) stays, signed "Ancien membre".
"""

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone

from monquartier.accounts.models import DataExport, User
from monquartier.accounts.pagecache import users_changed
from monquartier.accounts.signals import closed_accounts_expiring
from monquartier.outbox.models import (
    Delivery,
    FCMRegistration,
    PushSubscription,
    TextMessage,
    VoiceCall,
)

CLOSED_ACCOUNT_TRACES_DAYS = 30
BATCH = 200
MAX_BATCHES = 25  # one run erases at most 5,000 accounts; the next day goes on


def expired_closed_accounts(now=None):
    cutoff = (now or timezone.now()) - timedelta(days=CLOSED_ACCOUNT_TRACES_DAYS)
    return User.objects.filter(closed_at__lt=cutoff, traces_erased_at__isnull=True)


def _erase(user_ids: list[int], now) -> None:
    closed_accounts_expiring.send(sender=User, user_ids=user_ids)
    Delivery.objects.filter(user_id__in=user_ids).delete()
    PushSubscription.objects.filter(user_id__in=user_ids).delete()
    FCMRegistration.objects.filter(user_id__in=user_ids).delete()
    TextMessage.objects.filter(account_id__in=user_ids).update(account=None)
    # The calls stay counted (their cost), without the person or the number.
    VoiceCall.objects.filter(account_id__in=user_ids).update(account=None, to="")
    DataExport.objects.filter(user_id__in=user_ids).delete()
    Authenticator.objects.filter(user_id__in=user_ids).delete()
    User.objects.filter(pk__in=user_ids).update(traces_erased_at=now)
    users_changed(user_ids)


def erase_closed_account_traces(now=None) -> int:
    """Returns how many accounts were erased."""
    now = now or timezone.now()
    erased = 0
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            user_ids = list(
                expired_closed_accounts(now)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not user_ids:
                break
            _erase(user_ids, now)
        erased += len(user_ids)
    return erased
