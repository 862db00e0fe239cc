"""Template filters that ask the privacy module (communities/privacy.py) for a name.

Lists name people in their views (a Viewpoint and the people's ties, no query per row);
these filters are for the names whose rule needs no viewer (alerts) or for pages about
one person."""

from django import template

from monquartier.communities import privacy

register = template.Library()


@register.filter
def alert_sender(sender) -> str:
    """{{ alert.sender|alert_sender }}: the real name, to everyone who receives the alert."""
    return privacy.alert_sender_name(sender)


@register.filter
def name_seen_by(member, viewer) -> str:
    """{{ member|name_seen_by:user }}: one person's name for one viewer (a few queries)."""
    return privacy.name_seen_by(viewer, member)


@register.filter
def colleague_name(agent_user) -> str:
    """{{ agent.user|colleague_name }}: a town hall's agent, as colleagues and staff see them."""
    return privacy.colleague_name(agent_user)
