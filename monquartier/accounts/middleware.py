from django.utils import translation


class MemberLanguageMiddleware:
    """A logged-in member's language (their settings) wins over the language cookie and
    the browser's Accept-Language.

    LocaleMiddleware chooses before the member is known, so this runs after
    AuthenticationMiddleware; LocaleMiddleware's response side then announces the
    member's language (Content-Language). The same setting picks the language of their
    e-mails and SMS, so the site and the messages always agree.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
