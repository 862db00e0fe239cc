from monquartier.accounts.demo import create_demo_people, email_for
from monquartier.communities.demo import create_demo_communities
from monquartier.messaging import services
from monquartier.messaging.demo import create_demo_conversations
from monquartier.messaging.models import Conversation, Message
from monquartier.notifications.models import Notification


def test_demo_conversations_are_made_once_and_one_crosses_a_twinning(communes):
    create_demo_people()
    create_demo_communities()
    assert create_demo_conversations() == 2
    assert create_demo_conversations() == 0
    assert Conversation.objects.count() == 2
    twinned, riviera = Conversation.objects.order_by("created_at")
    assert riviera.participants.count() == 3 and twinned.participants.count() == 2
    # The messages are dated as in a real conversation, oldest first.
    dates = list(riviera.messages.order_by("id").values_list("created_at", flat=True))
    assert dates == sorted(dates) and riviera.last_message_at == dates[-1]
    awa = riviera.participants.get(user__email=email_for("Awa", "Koné")).user
    assert services.unread_count(awa) == 1  # Yao's last answer waits for the demo log-in
    # Through the services: each message told every other participant.
    assert Message.objects.count() == 5 + 2
    assert Notification.objects.filter(event="new_message").count() == 5 * 2 + 2 * 1
