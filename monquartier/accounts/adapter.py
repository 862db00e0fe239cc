"""How allauth stores phones on our User and sends its e-mails and SMS.

Messages leave through the task worker: the request only writes a task row, in the same
transaction as whatever caused the message, so a slow SMTP server or SMS gateway never
holds a sign-up page, and nothing is lost if the web process dies after answering.
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.utils.translation import get_language, gettext, override

from monquartier.accounts.models import User
from monquartier.accounts.phones import PhoneFormField, is_ivorian
from monquartier.accounts.reauthentication import password_entered_recently
from monquartier.core import flood
from monquartier.outbox.models import TextMessage, TextPurpose
from monquartier.outbox.services import send_text
from monquartier.outbox.tasks import send_email

logger = logging.getLogger(__name__)


def _codes_sent(user, phone: str):
    codes = TextMessage.objects.filter(purpose=TextPurpose.CODE)
    return codes.filter(account=user) if user.pk else codes.none(), codes.filter(to=phone)


def verification_codes_capped(user, phone: str) -> bool:
    """The day's verification codes to this account or this number are all sent."""
    by_account, by_number = _codes_sent(user, phone)
    return flood.is_flooded(by_account, "sms_code_account") or flood.is_flooded(
        by_number, "sms_code_number"
    )


def codes_capped_message() -> str:
    return gettext(
        "Trop de codes ont été envoyés aujourd'hui à ce compte ou à ce numéro. Réessayez demain."
    )


def seconds_until_code_allowed(user, phone: str) -> float:
    by_account, by_number = _codes_sent(user, phone)
    return max(
        flood.seconds_until_allowed(by_account, "sms_code_account"),
        flood.seconds_until_allowed(by_number, "sms_code_number"),
    )


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        kwargs.setdefault("label", gettext("Téléphone mobile"))
        kwargs.setdefault(
            "help_text", gettext("Pour recevoir les alertes par SMS. Exemple : 07 07 12 34 56")
        )
        return PhoneFormField(mobile=True, **kwargs)

    def save_user(self, request, user, form, commit=True):
        # The language the page was in (browser or language switch) becomes the member's
        # setting: it then wins over the browser's (MemberLanguageMiddleware).
        language = get_language()
        if language in dict(settings.LANGUAGES):
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The context allauth's own send_mail gives: templates write {{ email }} ("someone
        # tried to sign up with the address …").
        context = {"email": email, **context}
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"), ""
        )
        send_email.enqueue(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
        )

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        # allauth's limits space the codes out (one per 30 s); these cap a day's, per account
        # and per number, so that nobody can make us pay for SMS without end (to numbers
        # abroad, the costliest, included).
        if verification_codes_capped(user, phone):
            logger.warning("Verification code not sent: the day's cap is reached")
            if self.request is not None:
                messages.error(self.request, codes_capped_message())
            return
        with override(getattr(user, "language", None) or "fr"):
            # Plain ASCII keeps the SMS in one GSM-7 segment.
            text = gettext(
                "MonQuartier : votre code de verification est %(code)s. Il expire dans 10 minutes."
            ) % {"code": code}
        send_text(phone, text, purpose=TextPurpose.CODE, account=user if user.pk else None)
        if self.request is not None and not is_ivorian(phone):
            # The SMS providers we use are Ivorian: abroad, SMS may come late or not at all.
            messages.warning(
                self.request,
                gettext(
                    "C'est un numéro étranger. Nous y envoyons les SMS, mais ils peuvent "
                    "arriver en retard, ou pas du tout selon le pays. Avec un numéro ivoirien, "
                    "vous recevrez les alertes plus sûrement."
                ),
            )

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.mobile = phone
        user.mobile_verified = verified
        user.save(update_fields=["mobile", "mobile_verified"])

    def get_phone(self, user):
        if not user.mobile:
            return None
        return str(user.mobile), user.mobile_verified

    def set_phone_verified(self, user, phone: str) -> None:
        # Called once the code is right. When the member changes number, the new one
        # replaces the old only now: until then alerts keep going to the verified one.
        user.mobile = phone
        user.mobile_verified = True
        user.save(update_fields=["mobile", "mobile_verified"])
        shared = User.objects.open().filter(mobile=phone).exclude(pk=user.pk).exists()
        if shared and self.request is not None:
            # Said only now: the code proved that this person holds the phone.
            messages.info(
                self.request,
                gettext(
                    "Ce numéro sert aussi à un autre compte MonQuartier. C'est permis pour "
                    "une personne qui a deux logements, avec un compte pour chacun : les SMS "
                    "des deux comptes arrivent sur ce téléphone."
                ),
            )

    def get_user_by_phone(self, phone: str):
        # A mobile number is not an account's identity here: the spec lets one number
        # serve two accounts (a second residence), and log-in is by e-mail. Returning
        # None tells allauth that no number is "taken".
        return None

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # For every app (e-mail, phone, second factor): the password again, unless it
        # was typed in this session a few minutes ago (accounts/reauthentication.py).
        return not password_entered_recently(self.request)

    def get_login_stages(self) -> list[str]:
        # At sign-up the e-mail link goes out first and the SMS code is asked at once,
        # without waiting for the link (accounts/signup_email.py): the screens are the
        # same whether or not the address already has an account. At a later log-in, an
        # address still not confirmed stops at "check your e-mail".
        return [
            "allauth.account.stages.LoginByCodeStage",
            "monquartier.accounts.stages.SignupEmailVerificationStage",
            "monquartier.accounts.stages.SignupPhoneVerificationStage",
            # The code of the authenticator app, for accounts that set one up (staff).
            "allauth.mfa.stages.AuthenticateStage",
        ]
