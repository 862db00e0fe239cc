"""Every change to communities, memberships and twinnings.

Each service is one transaction; it checks who acts (référent, staff), writes the
movement that the community's history shows, and records the notifications that the
notification engine delivers. Views, the admin and SMS commands call these and nothing
else. A refused action raises ValidationError with a message for the person acting, and
changes nothing.

Three steps are for the services of the apps above, which run them inside their own
transaction (moderation's exclusions): require_referent checks who acts,
active_for_update locks an active membership, end_membership ends it.
"""

# _check_area, the overlap check alone: tests/communities/test_geometry.py and
# bench/geometry.py time it.
from monquartier.communities.services._common import _check_area, require_referent
from monquartier.communities.services.areas import (
    change_boundary,
    members_outside,
    preview_boundary,
    update_community_settings,
)
from monquartier.communities.services.homes import check_home_move
from monquartier.communities.services.membership import (
    accept_join_request,
    cancel_join_request,
    create_community,
    end_membership,
    end_membership_for_closed_account,
    leave_community,
    refuse_join_request,
    request_to_join,
)
from monquartier.communities.services.neighbours import register_neighbour
from monquartier.communities.services.referents import (
    active_for_update,
    make_referent,
    remove_referent,
    resign_referent,
)
from monquartier.communities.services.twinning import (
    accept_twinning,
    decline_twinning,
    end_twinning,
    end_twinning_for_commune,
    request_twinning,
    tell_commune_twinnings,
    twin_for_commune,
)

__all__ = [
    "_check_area",
    "accept_join_request",
    "accept_twinning",
    "active_for_update",
    "cancel_join_request",
    "change_boundary",
    "check_home_move",
    "create_community",
    "decline_twinning",
    "end_membership",
    "end_membership_for_closed_account",
    "end_twinning",
    "end_twinning_for_commune",
    "leave_community",
    "make_referent",
    "members_outside",
    "preview_boundary",
    "refuse_join_request",
    "register_neighbour",
    "remove_referent",
    "request_to_join",
    "request_twinning",
    "require_referent",
    "resign_referent",
    "tell_commune_twinnings",
    "twin_for_commune",
    "update_community_settings",
]
