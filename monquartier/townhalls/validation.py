"""The town hall decides how join requests are validated in every community of its
commune (PRODUCT.md, Partner town halls), and may validate them itself.

communities learns of it through communities/commune_rules.py, filled in
TownhallsConfig.ready(): the mode a partner commune imposes, and who acts for it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.communities import privacy
from monquartier.communities.models import Community, Membership, ValidationMode
from monquartier.townhalls.models import Agent, TownHall, TownHallValidation
from monquartier.townhalls.pagecache import commune_changed


def commune_mode(commune_id: int) -> str | None:
    """The mode of the commune's partner town hall while the partnership lasts."""
    return (
        TownHall.objects.partners()
        .filter(commune_id=commune_id)
        .values_list("validation", flat=True)
        .first()
    )


def acts_for_commune(user, commune_id: int) -> bool:
    """An agent of the commune's town hall, while the partnership lasts."""
    if not user.is_town_hall_agent:
        return False
    return Agent.objects.filter(
        user=user,
        town_hall__commune_id=commune_id,
        town_hall__in=TownHall.objects.partners(),
    ).exists()


def deciders(commune_id: int) -> tuple[list[User], str]:
    """The agents of the commune's partner town hall, told of each join request when it
    validates itself, and the console's page of requests."""
    agents = User.objects.filter(
        is_active=True,
        town_hall_agent__town_hall__commune_id=commune_id,
        town_hall_agent__town_hall__in=TownHall.objects.partners(),
    )
    return list(agents), reverse("townhalls:requests")


def _apply(town_hall: TownHall) -> int:
    # TownHallValidation and ValidationMode share their values.
    changed = Community.objects.filter(commune_id=town_hall.commune_id).update(
        validation_mode=ValidationMode(town_hall.validation), updated_at=timezone.now()
    )
    commune_changed(town_hall.commune_id)
    return changed


@transaction.atomic
def set_validation(town_hall: TownHall, mode: str) -> TownHall:
    """The town hall's choice, for every community of the commune now (new ones get it
    when they are created: communities.services.create_community)."""
    if mode not in TownHallValidation.values:
        raise ValidationError(
            {"validation": _("Choisissez qui valide les demandes d'adhésion.")}, code="mode"
        )
    town_hall = TownHall.objects.select_for_update().get(pk=town_hall.pk)
    town_hall.validation = mode
    town_hall.save(update_fields=["validation"])
    return town_hall


@receiver(post_save, sender=TownHall, dispatch_uid="townhalls.validation.apply")
def _apply_on_save(sender, instance: TownHall, **kwargs) -> None:
    """Staff recording a partnership in the admin, or the town hall choosing in its
    console: the communities of the commune follow at once."""
    if instance.is_partner:
        _apply(instance)


def pending_requests(town_hall: TownHall) -> list[Membership]:
    """The join requests the town hall validates itself, oldest first, each with the
    applicant's card as the requested community's référents see it (PRODUCT.md, Join
    applicants: real name, address, home pin and mobile, never the e-mail): the agent
    checks who they are in the référents' place."""
    if town_hall.validation != TownHallValidation.TOWN_HALL:
        return []
    pending = list(
        Membership.objects.pending()
        .filter(
            community__commune_id=town_hall.commune_id,
            community__validation_mode=ValidationMode.TOWN_HALL,
        )
        .select_related("community", "user", "user__profile", "user__home", "user__home__commune")
        .order_by("requested_at", "pk")
    )
    for membership in pending:
        membership.card = privacy.member_card(membership.user, privacy.Relation.APPLICANT)
    return pending


def pending_request_for(town_hall: TownHall, membership_id: int) -> Membership | None:
    if town_hall.validation != TownHallValidation.TOWN_HALL:
        return None
    return (
        Membership.objects.pending()
        .filter(
            pk=membership_id,
            community__commune_id=town_hall.commune_id,
            community__validation_mode=ValidationMode.TOWN_HALL,
        )
        .select_related("community", "user")
        .first()
    )
