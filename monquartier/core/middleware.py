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
