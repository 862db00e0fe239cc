from allauth.core.exceptions import RateLimited
from allauth.core.ratelimit import respond_429
from django.conf import settings


class PermissionsPolicyMiddleware:
    """Tell browsers which powerful features pages may use: the map asks for the
    position, nothing uses the camera, the microphone or payments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RateLimitedMiddleware:
    """Answer allauth's RateLimited with the 429 page instead of a 500.

    allauth catches it where a member asks for a new code, but not where a code is sent
    as a step of something else: the SMS at sign-up, "send me a code" in the phone
    settings (a second tap within 30 seconds), a change of number on the code page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return respond_429(request)
        return None
