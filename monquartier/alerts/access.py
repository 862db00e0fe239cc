"""Who may read an alert: the active members of its community and of the communities
twinned with it (who receive it by e-mail), and staff. Anyone else gets a 404."""

from django.db.models import Subquery
from django.http import Http404

from monquartier.alerts.models import Alert, AlertStatus
from monquartier.communities.models import Membership, Twinning


def readable_community_ids(user) -> tuple[int | None, list[int]]:
    """(the user's own community, the communities whose alerts they may read)."""
    own = Membership.objects.active_community_id(user)
    if own is None:
        return None, []
    return own, [own, *Twinning.objects.partner_ids(own)]


def get_alert_for_reader(user, alert_id: int) -> tuple[Alert, bool]:
    """The alert and whether the reader belongs to its own community. The alert also
    says whether the reader is a référent of its community (`reader_is_referent`: they
    follow its delivery).

    The reader's active membership comes with the alert (two scalar subqueries: one query,
    cheap to plan); the twinnings are read only for an alert of another community."""
    alerts = Alert.objects.select_related("community", "sender", "corrects").filter(pk=alert_id)
    if user.is_staff:
        alert = alerts.first()
        if alert is None:
            raise Http404
        alert.reader_is_referent = False
        return alert, False
    membership = Membership.objects.active_of(user)
    alert = alerts.annotate(
        reader_community_id=Subquery(membership.values("community_id")[:1]),
        reader_is_referent=Subquery(membership.values("is_referent")[:1]),
    ).first()
    # A held or rejected alert was sent to no one: only staff see it here (référents
    # decide on it in the queue of held alerts, views.held).
    if (
        alert is None
        or alert.is_hidden
        or alert.status != AlertStatus.SENT
        or alert.reader_community_id is None
    ):
        raise Http404
    own = alert.community_id == alert.reader_community_id
    if not own:
        if alert.community_id not in Twinning.objects.partner_ids(alert.reader_community_id):
            raise Http404
        alert.reader_is_referent = False  # a référent of another community
    return alert, own


def follows_delivery(user, alert: Alert) -> bool:
    """The sender, référents of the alert's community and staff follow its delivery."""
    return alert.sender_id == user.pk or user.is_staff or alert.reader_is_referent
