from django.db.models.signals import post_save
from django.dispatch import receiver

from monquartier.accounts.models import Profile, User


@receiver(post_save, sender=User, dispatch_uid="create_profile_for_new_user")
def create_profile_for_new_user(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    # Every user has a profile row, so pages can read user.profile without checking.
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
