"""Demo tickets for the support desk: a visitor's question, an identity theft with the
suspected account, a rural community's area answered by staff, a town hall's interest.
Written as rows (no service): the demo sends nothing. Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.accounts.demo import email_for
from monquartier.accounts.models import Home, User
from monquartier.communities.demo import COMMUNITY_NAMES
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.support.models import MessageKind, Ticket, TicketKind, TicketMessage, TicketStatus

# The account that copies the demo référente's name and photo in her own community.
IMPERSONATOR_EMAIL = "awa.kone.officiel@exemple.ci"
IMPERSONATOR_MOBILE = "+2250799000101"


def _impersonator(community: Community, awa: User) -> User:
    user = User.objects.filter(email=IMPERSONATOR_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=IMPERSONATOR_EMAIL,
            first_name=awa.first_name,
            last_name=awa.last_name,
            mobile=IMPERSONATOR_MOBILE,
        )
        home = awa.home
        Home.objects.create(
            user=user,
            commune=home.commune,
            quartier=home.quartier,
            latitude=home.latitude + 0.001,
            longitude=home.longitude,
        )
        Membership.objects.create(
            user=user,
            community=community,
            status=MembershipStatus.ACTIVE,
            joined_at=timezone.now() - timedelta(days=2),
        )
    return user


def _ticket(age_days: float, messages: list[tuple[str, User | None, str]], **fields) -> Ticket:
    when = timezone.now() - timedelta(days=age_days)
    ticket = Ticket.objects.create(created_at=when, updated_at=when, **fields)
    for step, (kind, author, body) in enumerate(messages):
        TicketMessage.objects.create(
            ticket=ticket,
            kind=kind,
            author=author,
            body=body,
            created_at=when + timedelta(hours=3 * step),
        )
    return ticket


@transaction.atomic
def create_demo_tickets() -> int:
    """Return the number of tickets created (none once they exist)."""
    if Ticket.objects.filter(kind__in=[TicketKind.IDENTITY_THEFT, TicketKind.RURAL_AREA]).exists():
        return 0
    awa = User.objects.filter(email=email_for("Awa", "Koné")).first()
    aminata = User.objects.filter(email=email_for("Aminata", "Traoré")).first()
    mariam = User.objects.filter(email=email_for("Mariam", "Bamba")).first()
    riviera = Community.objects.filter(name=COMMUNITY_NAMES["Riviera 2"]).first()
    if not (awa and aminata and mariam and riviera):
        return 0
    fake = _impersonator(riviera, awa)
    _ticket(
        0.2,
        [
            (
                MessageKind.REQUESTER,
                None,
                "Bonjour, nous sommes six familles au campement de Songon-Dagbé. "
                "Pouvons-nous ouvrir une communauté alors que personne n'a de smartphone ?",
            )
        ],
        kind=TicketKind.QUESTION,
        visitor_name="Konan Yapi",
        visitor_phone="07 58 12 34 56",
    )
    _ticket(
        0.5,
        [
            (
                MessageKind.REQUESTER,
                awa,
                "Un compte à mon nom, avec ma photo, vient d'entrer dans Riviera 2 et envoie "
                "des messages aux voisins. Ce n'est pas moi.",
            )
        ],
        kind=TicketKind.IDENTITY_THEFT,
        requester=awa,
        community=riviera,
        impersonator=fake,
        facts={"impersonated_name": "Awa Koné", "community_name": riviera.name},
    )
    _ticket(
        3,
        [
            (
                MessageKind.REQUESTER,
                aminata,
                "Notre village voisin veut nous rejoindre mais la zone est limitée. "
                "Il est à 3 km de Niangon.",
            ),
            (MessageKind.NOTE, mariam, "Vérifier la carte avec la mairie de Yopougon."),
            (
                MessageKind.REPLY,
                mariam,
                "Merci. Pouvez-vous nous dire combien de familles vivent dans le village ?",
            ),
        ],
        kind=TicketKind.RURAL_AREA,
        requester=aminata,
        assignee=mariam,
        status=TicketStatus.WAITING,
        facts={
            "community_name": "Yopougon Niangon Nord",
            "area_needed": "le village, 3 km à l'ouest",
        },
    )
    _ticket(
        8,
        [
            (
                MessageKind.REQUESTER,
                None,
                "La mairie de Bingerville aimerait présenter MonQuartier au conseil municipal.",
            ),
            (
                MessageKind.REPLY,
                mariam,
                "Avec plaisir : nous vous appelons lundi pour fixer une date.",
            ),
        ],
        kind=TicketKind.TOWN_HALL,
        visitor_name="Service communication",
        visitor_email="communication@mairie-bingerville.exemple.ci",
        assignee=mariam,
        status=TicketStatus.RESOLVED,
        resolved_at=timezone.now() - timedelta(days=7),
        facts={
            "town_hall_name": "Mairie de Bingerville",
            "contact_role": "Chargée de communication",
        },
    )
    return 4
