from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from monquartier.accounts.signals import account_closing, home_moving
from monquartier.communities.models import Membership, directory_name_for
from monquartier.communities.services import check_home_move, end_membership_for_closed_account

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


@receiver(home_moving, dispatch_uid="home_stays_in_the_community")
def home_stays_in_the_community(sender, user, latitude, longitude, **kwargs):
    check_home_move(user, latitude, longitude)


@receiver(account_closing, dispatch_uid="closed_account_leaves_its_community")
def closed_account_leaves_its_community(sender, user, **kwargs):
    end_membership_for_closed_account(user)
