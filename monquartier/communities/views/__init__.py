"""Pages of a community, for its members and référents. Every view fetches through
access.py first; writes go through the services."""

from monquartier.communities.views.areas import (
    boundary,
    community_settings,
)
from monquartier.communities.views.membership import (
    cancel_request,
    create,
    join,
    leave,
    my_community,
)
from monquartier.communities.views.pages import (
    directory,
    history,
    info,
    member_card,
)
from monquartier.communities.views.photos import member_photo
from monquartier.communities.views.referents import (
    change_referent,
    referents,
    register_neighbour,
)
from monquartier.communities.views.requests import (
    accept_request,
    refuse_request,
    requests,
)
from monquartier.communities.views.twinning import (
    twinning_action,
    twinnings,
)

__all__ = [
    "accept_request",
    "boundary",
    "cancel_request",
    "change_referent",
    "community_settings",
    "create",
    "directory",
    "history",
    "info",
    "join",
    "leave",
    "member_card",
    "member_photo",
    "my_community",
    "referents",
    "refuse_request",
    "register_neighbour",
    "requests",
    "twinning_action",
    "twinnings",
]
