from allauth.account.stages import EmailVerificationStage, PhoneVerificationStage

from monquartier.accounts import signup_email


class SignupEmailVerificationStage(EmailVerificationStage):
    """At sign-up, send the e-mail link and go on: the SMS code and the next steps do
    not wait for it (accounts/signup_email.py). At a later log-in, an address still not
    confirmed stops at "check your e-mail", as allauth does."""

    def handle(self):
        if not self.login.signup:
            return super().handle()
        email = self.request.session.get(signup_email.SESSION_KEY)
        if email and self.login.user:
            signup_email.send_link(self.request, self.login.user, email)
        return None, True


class SignupPhoneVerificationStage(PhoneVerificationStage):
    """Ask for the SMS code right after sign-up, not at every log-in.

    A member whose SMS did not arrive can still log in; the home page and the settings
    then show that the mobile is not verified, and offer a new code.
    """

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()
