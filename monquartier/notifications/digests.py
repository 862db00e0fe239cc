"""The daily digest: one e-mail a day per member, gathering every notification they chose
to receive that way and have not had yet. One per member and day (unique key); whatever
a missed day left waiting goes into the next one."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q

from monquartier.accounts.models import User
from monquartier.notifications.models import Digest, Notification
from monquartier.outbox.models import Channel, Delivery
from monquartier.outbox.services import wake_senders


def make_digest(user: User, day: date) -> Digest | None:
    with transaction.atomic():
        waiting = Notification.objects.select_for_update().filter(
            recipient=user, for_digest=True, digest__isnull=True
        )
        ids = list(waiting.values_list("pk", flat=True))
        if not ids:
            return None
        try:
            with transaction.atomic():
                digest = Digest.objects.create(user=user, day=day)
        except IntegrityError:
            return None  # today's digest is already made: these wait for tomorrow's
        Notification.objects.filter(pk__in=ids).update(digest=digest)
        if user.email:
            Delivery.objects.create(
                digest=digest, user=user, channel=Channel.EMAIL, address=user.email
            )
        return digest


def make_digests(day: date) -> int:
    users = User.objects.filter(
        Q(notifications__for_digest=True, notifications__digest__isnull=True), is_active=True
    ).distinct()
    made = sum(1 for user in users.iterator(chunk_size=500) if make_digest(user, day))
    if made:
        wake_senders([Channel.EMAIL])
    return made
