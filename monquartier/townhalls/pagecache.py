"""What the town halls' changes do to the cached member pages (core/pagecache.py): an
announcement is on the pages of the communities it went to; a partnership (its name, its
period, its validation) on every page of the commune's communities; an agent's account
decides where they land."""

from django.db.models.signals import m2m_changed

from monquartier.communities.models import Community
from monquartier.communities.pagecache import communities_changed
from monquartier.core import pagecache
from monquartier.townhalls.models import Agent, Announcement, TownHall


def announcement_changed(announcement_id: int) -> None:
    community_ids = Announcement.communities.through.objects.filter(
        announcement_id=announcement_id
    ).values_list("community_id", flat=True)
    communities_changed(list(community_ids), twinned=False)


def commune_changed(commune_id) -> None:
    community_ids = Community.objects.filter(commune_id=commune_id).values_list("pk", flat=True)
    communities_changed(list(community_ids), twinned=False)


def _announcement(sender, instance, **kwargs):
    announcement_changed(instance.pk)


def _announcement_communities(sender, instance, action, pk_set=None, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Announcement):
        announcement_changed(instance.pk)
    else:
        communities_changed([instance.pk], twinned=False)


def _town_hall(sender, instance, **kwargs):
    commune_changed(instance.commune_id)
    # Its agents' consoles, and what the cache knows of them (access.agent_summary).
    agents = Agent.objects.filter(town_hall_id=instance.pk).values_list("user_id", flat=True)
    pagecache.bump(pagecache.commune(instance.commune_id), *map(pagecache.user, agents))


def _agent(sender, instance, **kwargs):
    pagecache.bump(pagecache.user(instance.user_id))


def connect() -> None:
    pagecache.connect({Announcement: _announcement, TownHall: _town_hall, Agent: _agent})
    m2m_changed.connect(
        _announcement_communities,
        sender=Announcement.communities.through,
        dispatch_uid="pagecache-announcement-communities",
    )
