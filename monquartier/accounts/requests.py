from django.http import HttpRequest

from monquartier.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a view that LoginRequiredMiddleware guards (every view not marked
    login_not_required): its user is signed in. An annotation for the type checker only;
    Django still builds plain HttpRequests."""

    user: User
