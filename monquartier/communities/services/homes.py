"""Moving one's home: it must stay in the community's area."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities import geometry
from monquartier.communities.models import (
    Membership,
    MembershipStatus,
)


def check_home_move(user: User, latitude: float, longitude: float) -> None:
    """A member moves their pin only inside their community's area, and so does an
    applicant inside the area of the community they asked to join. The caller's
    transaction holds the membership's lock, so a référent accepting at this moment sees
    either the old pin or the new one (accept_join_request checks the pin again)."""
    membership = (
        Membership.objects.open()
        .select_for_update()
        .select_related("community")
        .filter(user=user)
        .first()
    )
    if membership is None or geometry.covers(membership.community.area, longitude, latitude):
        return
    if membership.status == MembershipStatus.PENDING:
        message = _(
            "Votre domicile doit rester dans le périmètre de « %(name)s », où vous avez demandé à "
            "entrer. Si vous avez déménagé, annulez d'abord votre demande."
        )
    else:
        message = _(
            "Votre domicile doit rester dans le périmètre de « %(name)s ». Si vous avez déménagé, "
            "quittez la communauté puis rejoignez celle de votre nouveau quartier."
        )
    raise ValidationError(message % {"name": membership.community.name}, code="home_outside")
