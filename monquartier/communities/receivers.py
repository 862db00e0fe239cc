"""How communities react to accounts (accounts/signals.py): a member's pin stays in
their community's area, and a closed account ends its membership."""

from django.dispatch import receiver

from monquartier.accounts.signals import account_closing, home_moving
from monquartier.communities.services import check_home_move, end_membership_for_closed_account


@receiver(home_moving, dispatch_uid="home_stays_in_the_community")
def home_stays_in_the_community(sender, user, latitude, longitude, **kwargs):
    check_home_move(user, latitude, longitude)


@receiver(account_closing, dispatch_uid="closed_account_leaves_its_community")
def closed_account_leaves_its_community(sender, user, **kwargs):
    end_membership_for_closed_account(user)
