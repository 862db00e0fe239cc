"""Who may read an alert: the active members of its community and of the communities
twinned with it (who receive it by e-mail), and staff. Anyone else gets a 404."""

from django.http import Http404

from monquartier.alerts.models import Alert
from monquartier.communities.models import Membership
from monquartier.communities.services import twinned_community_ids


def readable_community_ids(user) -> tuple[int | None, list[int]]:
    """(the user's own community, the communities whose alerts they may read)."""
    own = (
        Membership.objects.active().filter(user=user).values_list("community_id", flat=True).first()
    )
    if own is None:
        return None, []
    return own, [own, *twinned_community_ids(own)]


def get_alert_for_reader(user, alert_id: int) -> tuple[Alert, bool]:
    """The alert and whether the reader belongs to its own community."""
    alert = (
        Alert.objects.select_related("community", "sender", "corrects").filter(pk=alert_id).first()
    )
    if alert is None:
        raise Http404
    if user.is_staff:
        return alert, False
    own, readable = readable_community_ids(user)
    if alert.community_id not in readable or alert.is_hidden:
        raise Http404
    return alert, alert.community_id == own
