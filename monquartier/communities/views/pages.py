"""A community's pages for its members: information, directory, member card, history."""

from django.core.paginator import Paginator
from django.shortcuts import render

from monquartier.communities import access, pagecache, privacy
from monquartier.communities.models import (
    Community,
    Membership,
    Movement,
)
from monquartier.communities.views._common import (
    DIRECTORY_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    _area_context,
    _area_entry,
    _page_context,
)
from monquartier.core.pagecache import cached_page
from monquartier.core.paths import path_prefix


@cached_page(pagecache.community_page)
def info(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    referents = privacy.name_memberships(
        privacy.Viewpoint.of(request.user, membership),
        Membership.objects.referents()
        .filter(community=community)
        .select_related("user")
        .order_by("user__first_name"),
    )
    member_count = Membership.objects.active().filter(community=community).count()
    twinned = Community.objects.twinned_with(community.pk)
    areas = [_area_entry(community, highlight=True)] + [_area_entry(other) for other in twinned]
    return render(
        request,
        "communities/info.html",
        _page_context(
            community,
            membership,
            referents=referents,
            member_count=member_count,
            twinned=twinned,
            map_context=_area_context(areas),
            pending_count=Membership.objects.pending().filter(community=community).count()
            if membership and membership.is_referent
            else 0,
        ),
    )


@cached_page(pagecache.community_page)
def directory(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    memberships = (
        Membership.objects.active()
        # A suspended account may carry someone else's name: out of the directory.
        .filter(community=community, user__suspended_at__isnull=True)
        .select_related("user", "user__profile", "user__home", "user__home__commune")
        .order_by("directory_name", "pk")
    )
    page = Paginator(memberships, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    viewer_relation = privacy.Relation.STAFF if membership is None else privacy.Relation.COMMUNITY
    # One reverse() for the page's 30 links to member cards, not one per card.
    card_url = path_prefix("communities:member", community.pk)
    cards = [
        (
            privacy.member_card(
                item.user,
                privacy.Relation.SELF if item.user_id == request.user.pk else viewer_relation,
                is_referent=item.is_referent,
            ),
            f"{card_url}{item.user_id}/",
        )
        for item in page
    ]
    return render(
        request,
        "communities/directory.html",
        _page_context(community, membership, page=page, cards=cards),
    )


@cached_page(pagecache.community_page)
def member_card(request, community_id: int, user_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    member, member_membership = access.get_member_of(community, user_id)
    rel = privacy.relation(request.user, member)
    card = privacy.member_card(member, rel, is_referent=member_membership.is_referent)
    return render(
        request,
        "communities/member_card.html",
        _page_context(community, membership, card=card, member_membership=member_membership),
    )


@cached_page(pagecache.community_page)
def history(request, community_id: int):
    community, membership = access.get_community_for_member(request.user, community_id)
    movements = privacy.with_communities(
        Movement.objects.filter(community=community).select_related(
            "actor", "member", "other_community"
        ),
        "actor",
        "member",
    )
    page = Paginator(movements, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # The other community's référent who asked for a twinning is an outsider here.
    privacy.name_people(privacy.Viewpoint.of(request.user, membership), page, "actor", "member")
    return render(
        request, "communities/history.html", _page_context(community, membership, page=page)
    )
