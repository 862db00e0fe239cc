"""Who receives a newsletter: the members of its audience who asked for it
(User.newsletter, the checkbox in Paramètres) and whose e-mail address is verified."""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet

from monquartier.accounts.models import User
from monquartier.communities.models import Membership, MembershipStatus
from monquartier.newsletters.models import Audience, Newsletter


def recipients(newsletter: Newsletter) -> QuerySet[User]:
    memberships = Membership.objects.filter(status=MembershipStatus.ACTIVE)
    if newsletter.audience == Audience.REFERENTS:
        memberships = memberships.filter(is_referent=True)
    elif newsletter.audience == Audience.COMMUNE:
        memberships = memberships.filter(community__commune_id=newsletter.commune_id)
    verified = EmailAddress.objects.filter(
        user_id=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return (
        User.objects.open()
        .filter(is_active=True, newsletter=True, email__isnull=False)
        .exclude(email="")
        .filter(pk__in=memberships.values("user_id"))
        .filter(Exists(verified))
    )
