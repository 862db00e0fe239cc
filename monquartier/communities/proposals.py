"""A community proposed to a visitor before they have a home, for the join step.

An app above (invitations) proposes one when a neighbour opens an invitation; the join
page (views/membership.my_community) reads it once the home is pinned: it names the
proposed community when the home is inside it, and says why not otherwise. The
session carries it through sign-up and the home step.
"""

SESSION_KEY = "communities.proposed_community_id"


def propose(session, community_id: int) -> None:
    session[SESSION_KEY] = community_id


def proposed_id(session) -> int | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def forget(session) -> None:
    session.pop(SESSION_KEY, None)
