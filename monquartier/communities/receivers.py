"""How communities react to accounts (accounts/signals.py): a member's pin stays in
their community's area, a closed account ends its membership, and the last member is
warned before closing that the community goes with them."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from monquartier.accounts.signals import account_closing, account_closure_warnings, home_moving
from monquartier.communities.models import Membership
from monquartier.communities.services import check_home_move, end_membership_for_closed_account


@receiver(home_moving, dispatch_uid="home_stays_in_the_community")
def home_stays_in_the_community(sender, user, latitude, longitude, **kwargs):
    check_home_move(user, latitude, longitude)


@receiver(account_closing, dispatch_uid="closed_account_leaves_its_community")
def closed_account_leaves_its_community(sender, user, **kwargs):
    end_membership_for_closed_account(user)


@receiver(account_closure_warnings, dispatch_uid="last_member_warned_before_closing")
def last_member_warned_before_closing(sender, user, **kwargs) -> str | None:
    emptied = Membership.objects.community_left_empty_by(user)
    if emptied is None:
        return None
    return _(
        "Vous êtes le dernier membre de « %(name)s ». Si vous fermez votre compte, cette communauté est supprimée, avec son historique et ses alertes. L'équipe MonQuartier en est prévenue."
    ) % {"name": emptied.name}
