"""What opening an invitation leaves in the visitor's session, for the steps that follow:
the code (read at sign-up) and the community proposed at the join step."""

from django.http import HttpRequest

from monquartier.communities import proposals
from monquartier.invitations.models import Invitation

CODE_KEY = "invitations.code"


def remember(request: HttpRequest, invitation: Invitation) -> None:
    request.session[CODE_KEY] = invitation.code
    proposals.propose(request.session, invitation.community_id)


def invitation_code(request) -> str | None:
    session = getattr(request, "session", None)
    return session.get(CODE_KEY) if session is not None else None
