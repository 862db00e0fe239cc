"""The members' home page: it composes alerts, the gazette, messages and requests."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render

from monquartier.accounts.models import Home
from monquartier.alerts.models import Alert, AlertRead
from monquartier.communities import pagecache, privacy
from monquartier.communities.access import open_membership
from monquartier.communities.models import Membership, MembershipStatus, Twinning
from monquartier.core.pagecache import cached_page
from monquartier.gazette.models import Post
from monquartier.messaging.services import unread_count
from monquartier.townhalls import announcements

HOME_ALERTS = 5
HOME_POSTS = 5


@login_not_required
@cached_page(pagecache.member_page)
def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    if request.user.is_town_hall_agent:
        return redirect("townhalls:console")
    membership = open_membership(request.user)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        home = Home.objects.filter(user=request.user).select_related("commune").first()
        return render(request, "core/member_home.html", {"home": home, "membership": membership})
    return render(request, "core/member_home.html", _community_home(request.user, membership))


def _community_home(user, membership) -> dict:
    """The members' home page: latest alerts first, then the gazette, unread messages and,
    for référents, waiting requests. A fixed number of queries (pinned in a test)."""
    community = membership.community
    readable = [community.pk, *Twinning.objects.partner_ids(community.pk)]
    alerts = list(
        Alert.objects.visible()
        .filter(community_id__in=readable)
        .select_related("sender", "community")
        .annotate(is_read=Exists(AlertRead.objects.filter(alert=OuterRef("pk"), user=user)))[
            :HOME_ALERTS
        ]
    )
    posts = list(
        privacy.with_communities(
            Post.objects.visible().filter(community=community).select_related("author"), "author"
        )[:HOME_POSTS]
    )
    privacy.name_people(privacy.Viewpoint.of(user, membership), posts, "author")
    pending = (
        Membership.objects.pending().filter(community=community).count()
        if membership.is_referent
        else 0
    )
    return {
        "membership": membership,
        "community": community,
        "alerts": alerts,
        "announcements": announcements.for_community(community.pk, limit=announcements.HOME_SHOWN),
        "posts": posts,
        "unread_messages": unread_count(user),
        "pending_requests": pending,
    }
