"""What notifications delete of an account closed long ago (accounts/retention.py): its
notifications, digests and preferences (their outbox rows go with them)."""

from monquartier.notifications.models import Digest, Notification, NotificationPreference


def erase_closed_accounts(sender, user_ids, **kwargs) -> None:
    Notification.objects.filter(recipient_id__in=user_ids).delete()
    Digest.objects.filter(user_id__in=user_ids).delete()
    NotificationPreference.objects.filter(user_id__in=user_ids).delete()
