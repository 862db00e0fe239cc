"""What alerts' changes do to the cached pages (core/pagecache.py): an alert is on its
community's pages and its twinned communities'; a read mark is the reader's own; an
acknowledgement shows on the alert's page only."""

from monquartier.alerts.models import Alert, AlertAcknowledgement, AlertRead
from monquartier.communities.pagecache import communes_of, communities_changed
from monquartier.core import pagecache


def alert_changed(alert) -> None:
    communities_changed([alert.community_id])


def read_by(user_id: int, alert=None) -> None:
    """A read mark is the reader's; a référent's read is also a figure of the town hall's
    dashboard (its commune's scope)."""
    scopes = [pagecache.user(user_id)]
    if alert is not None and "community" in alert._state.fields_cache:
        scopes.append(pagecache.commune(alert.community.commune_id))
    elif alert is not None:
        scopes += communes_of([alert.community_id])
    pagecache.bump(*scopes)


def _alert(sender, instance, **kwargs):
    alert_changed(instance)


def _read(sender, instance, **kwargs):
    # The alert the read was made with (no query for a cascade's deletion).
    read_by(instance.user_id, instance._state.fields_cache.get("alert"))


def _acknowledgement(sender, instance, **kwargs):
    pagecache.bump(pagecache.alert(instance.alert_id), pagecache.user(instance.user_id))


def connect() -> None:
    pagecache.connect({Alert: _alert, AlertRead: _read, AlertAcknowledgement: _acknowledgement})
