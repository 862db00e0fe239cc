"""Every change to communities, memberships and twinnings.

Each service is one transaction; it checks who acts (référent, staff), writes the
movement that the community's history shows, and records the notifications that the
notification engine delivers. Views, the admin and SMS commands call these and nothing
else. A refused action raises ValidationError with a message for the person acting, and
changes nothing.
"""

# The overlap check alone: tests/communities/test_geometry.py and bench/geometry.py time it.
from monquartier.communities.services._common import _check_area
from monquartier.communities.services.areas import (
    change_boundary,
    members_outside,
    preview_boundary,
    update_community_settings,
)
from monquartier.communities.services.exclusion import (
    accept_exclusion,
    reject_exclusion,
    request_exclusion,
)
from monquartier.communities.services.homes import check_home_move
from monquartier.communities.services.membership import (
    accept_join_request,
    cancel_join_request,
    create_community,
    end_membership_for_closed_account,
    leave_community,
    refuse_join_request,
    request_to_join,
)
from monquartier.communities.services.neighbours import register_neighbour
from monquartier.communities.services.referents import (
    make_referent,
    remove_referent,
    resign_referent,
)
from monquartier.communities.services.twinning import (
    accept_twinning,
    decline_twinning,
    end_twinning,
    request_twinning,
)

__all__ = [
    "_check_area",
    "accept_exclusion",
    "accept_join_request",
    "accept_twinning",
    "cancel_join_request",
    "change_boundary",
    "check_home_move",
    "create_community",
    "decline_twinning",
    "end_membership_for_closed_account",
    "end_twinning",
    "leave_community",
    "make_referent",
    "members_outside",
    "preview_boundary",
    "refuse_join_request",
    "register_neighbour",
    "reject_exclusion",
    "remove_referent",
    "request_exclusion",
    "request_to_join",
    "request_twinning",
    "resign_referent",
    "update_community_settings",
]
