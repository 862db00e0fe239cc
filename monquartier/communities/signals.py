from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from monquartier.communities.models import Membership, directory_name_for

# Sent inside the transaction, just before a community whose last member left is deleted,
# with `community` and `facts` (its name and commune, for the texts): town halls tell
# their contacts (townhalls/receivers.py).
community_deleted = Signal()
# Sent by the escalation job with `memberships`, the join requests it just escalated to
# staff: support opens a ticket for each (support/receivers.py).
join_requests_escalated = Signal()

_NAME_FIELDS = frozenset({"first_name", "last_name"})


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="membership_directory_name")
def keep_directory_name(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """A renamed member (settings, admin, a closed account) moves in the directory. A save
    that names its fields and leaves the names out (last_login at log-in) costs nothing."""
    if created or raw or (update_fields is not None and not _NAME_FIELDS & set(update_fields)):
        return
    name = directory_name_for(instance)
    Membership.objects.filter(user=instance).exclude(directory_name=name).update(
        directory_name=name
    )
