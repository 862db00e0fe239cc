"""Demo conversations: neighbours of Riviera 2 talking among themselves, and a member of
Marcory Zone 4 writing to one of twinned Biétry. They go through the services, so the
worker of `make demo` e-mails the notifications to the dev outbox. Idempotent: nothing
happens once any conversation exists."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from monquartier.accounts.demo import email_for
from monquartier.communities.demo import COMMUNITY_NAMES
from monquartier.communities.models import Membership
from monquartier.messaging import services
from monquartier.messaging.models import Conversation, Message, Participant

# (hours ago, index of the writer among the people, text); index 0 starts the conversation.
NEIGHBOURS = [
    (
        30,
        0,
        "Bonsoir à vous deux ! Le gardien de la cour m'a dit que la pompe à eau est encore en panne. On se cotise pour le plombier ?",
    ),
    (
        29,
        1,
        "Bonsoir Awa. Oui, je mets 5 000 F. Le plombier de la rue des Jardins est sérieux, je peux l'appeler demain matin.",
    ),
    (
        27,
        2,
        "D'accord pour moi aussi. Passez chercher ma part ce soir après 19 h, je suis à la maison.",
    ),
    (5, 0, "Merci ! Le plombier passe samedi à 9 h. Quelqu'un pourra lui ouvrir le local ?"),
    (3, 1, "Moi, je suis là samedi matin : je lui ouvrirai."),
]
TWINNED = [
    (
        50,
        0,
        "Bonjour, je suis de la communauté jumelée d'à côté. Un voisin m'a dit que vous connaissez un bon électricien : vous avez son numéro ?",
    ),
    (
        48,
        1,
        "Bonjour ! Oui, c'est M. Diarra, il travaille bien et ses prix sont honnêtes. Je vous envoie son numéro par ici ce soir.",
    ),
]


def _members(quartier: str) -> list:
    return [
        membership.user
        for membership in Membership.objects.active()
        .filter(community__name=COMMUNITY_NAMES[quartier], user__email__isnull=False)
        .select_related("user")
        .order_by("-is_referent", "joined_at", "pk")
    ]


def _play(people: list, script: list) -> int:
    """Write the script through the services, then date each message as the script says."""
    now = timezone.now()
    first = None
    for hours, writer, text in script:
        if first is None:
            first = services.start_conversation(
                people[writer], [person.pk for person in people if person != people[writer]], text
            )
            message = first
        else:
            message = services.reply(people[writer], first.conversation, text)
        when = now - timedelta(hours=hours)
        Message.objects.filter(pk=message.pk).update(created_at=when)
        Participant.objects.filter(conversation=first.conversation, user=people[writer]).update(
            last_read_at=when
        )
    if first is None:  # an empty script
        return 0
    Conversation.objects.filter(pk=first.conversation_id).update(
        created_at=now - timedelta(hours=script[0][0]), last_message_at=when
    )
    return 1


@transaction.atomic
def create_demo_conversations() -> int:
    """Return how many conversations were created."""
    if Conversation.objects.exists():
        return 0
    created = 0
    riviera = _members("Riviera 2")
    awa = next((user for user in riviera if user.email == email_for("Awa", "Koné")), None)
    yao = next((user for user in riviera if user.email == email_for("Yao", "Kouassi")), None)
    others = [user for user in riviera if user not in (awa, yao)]
    if awa and yao and others:
        created += _play([awa, yao, others[0]], NEIGHBOURS)
    zone4, bietry = _members("Zone 4"), _members("Biétry")
    if zone4 and bietry:
        created += _play([zone4[0], bietry[-1]], TWINNED)
    return created
