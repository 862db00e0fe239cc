from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import email_confirmed
from allauth.mfa.signals import authenticator_added
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from monquartier.accounts.models import Profile, User

# Sent inside set_home's transaction before the pin moves, with `user`, `latitude` and
# `longitude`: a receiver refuses the move by raising ValidationError. Communities hold
# members to their area this way, without accounts importing them.
home_moving = Signal()
# Sent inside close_account's transaction before the personal data goes, with `user`:
# communities end the membership.
account_closing = Signal()
# Sent by the account-closure page before the member confirms, with `user`: a receiver
# returns a sentence warning of what closing the account also ends, or None. Communities
# tell the last member that the community is deleted with them.
account_closure_warnings = Signal()
# Sent by the retention job (accounts/retention.py), in its transaction, with `user_ids`:
# accounts closed long enough ago (docs/retention.md). Each app deletes what it still
# holds about those people that is theirs alone (notifications, read marks…).
closed_accounts_expiring = Signal()


@receiver(post_save, sender=User, dispatch_uid="create_profile_for_new_user")
def create_profile_for_new_user(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    # Every user has a profile row, so pages can read user.profile without checking.
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(authenticator_added, dispatch_uid="second_factor_typed_at_set_up")
def second_factor_typed_at_set_up(sender, request, user, authenticator, **kwargs):
    # Setting up the app means typing one of its codes: this session has the second
    # factor (accounts/middleware.py), as if it had been typed at log-in.
    record_authentication(request, user, method="mfa", type=authenticator.type, id=authenticator.pk)


@receiver(email_confirmed, dispatch_uid="confirmed_address_becomes_the_accounts")
def confirmed_address_becomes_the_accounts(sender, request, email_address, **kwargs):
    # The address typed at sign-up is the account's only from now on
    # (accounts/signup_email.py): e-mails go to User.email.
    if not email_address.user.email:
        email_address.set_as_primary()
