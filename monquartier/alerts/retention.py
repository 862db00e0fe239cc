"""What alerts delete of an account closed long ago (accounts/retention.py): its read
marks. The alerts it sent stay, signed "Ancien membre"."""

from monquartier.alerts.models import AlertRead


def erase_closed_accounts(sender, user_ids, **kwargs) -> None:
    AlertRead.objects.filter(user_id__in=user_ids).delete()
