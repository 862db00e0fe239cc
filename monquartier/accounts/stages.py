from allauth.account.stages import PhoneVerificationStage


class SignupPhoneVerificationStage(PhoneVerificationStage):
    """Ask for the SMS code right after sign-up, not at every log-in.

    A member whose SMS did not arrive can still log in; the home page and the settings
    then show that the mobile is not verified, and offer a new code.
    """

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()
