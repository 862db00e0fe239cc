"""Who signed up through an invitation: allauth's user_signed_up, with the code the
invitation page left in the session."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from monquartier.invitations import services, session


@receiver(user_signed_up, dispatch_uid="invitations-signup")
def record_invited_signup(sender, request, user, **kwargs) -> None:
    code = session.invitation_code(request)
    if code:
        services.record_signup(code, user)
