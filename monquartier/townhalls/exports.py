"""What town halls hold about a person, for their download (accounts/exports.py): their
agent role, if any, and the presentations they sent to a town hall."""

from typing import Any

from monquartier.townhalls.models import Agent, PresentationSent


def town_hall(user) -> dict[str, Any]:
    agent = Agent.objects.select_related("town_hall").filter(user=user).first()
    return {
        "agent": None
        if agent is None
        else {
            "town_hall": agent.town_hall.name,
            "since": agent.created_at,
            "can_manage_agents": agent.can_manage_agents,
            "receives_alert_sms": agent.receives_alert_sms,
        },
        "presentations_sent": list(
            PresentationSent.objects.filter(sent_by=user)
            .order_by("created_at")
            .values("commune__name", "to", "created_at")
        ),
    }
