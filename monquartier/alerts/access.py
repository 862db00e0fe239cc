"""Who may read an alert: the active members of its community and of the communities
twinned with it (who receive it by e-mail), and staff. Anyone else gets a 404."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from monquartier.alerts.models import Alert
from monquartier.communities.models import Membership, Twinning
from monquartier.communities.services import twinned_community_ids


def readable_community_ids(user) -> tuple[int | None, list[int]]:
    """(the user's own community, the communities whose alerts they may read)."""
    own = (
        Membership.objects.active().filter(user=user).values_list("community_id", flat=True).first()
    )
    if own is None:
        return None, []
    return own, [own, *twinned_community_ids(own)]


def _readable_by(user) -> Q:
    """Alerts of the user's community and of the communities twinned with it, as one
    condition (subqueries): checked in the same query that fetches the alert."""
    own = Membership.objects.active().filter(user=user).values("community_id")
    twinnings = Twinning.objects.active().filter(Q(requester_id__in=own) | Q(partner_id__in=own))
    return (
        Q(community_id__in=own)
        | Q(community_id__in=twinnings.values("requester_id"))
        | Q(community_id__in=twinnings.values("partner_id"))
    )


def get_alert_for_reader(user, alert_id: int) -> tuple[Alert, bool]:
    """The alert and whether the reader belongs to its own community, in one query.
    The alert also says whether the reader is a référent of its community
    (`reader_is_referent`: they follow its delivery)."""
    alerts = Alert.objects.select_related("community", "sender", "corrects").filter(pk=alert_id)
    if user.is_staff:
        alert = alerts.first()
        if alert is None:
            raise Http404
        alert.reader_is_referent = False
        return alert, False
    alert = (
        alerts.filter(_readable_by(user), hidden_at__isnull=True)
        .annotate(
            reader_is_member=Exists(
                Membership.objects.active().filter(user=user, community_id=OuterRef("community_id"))
            ),
            reader_is_referent=Exists(
                Membership.objects.referents().filter(
                    user=user, community_id=OuterRef("community_id")
                )
            ),
        )
        .first()
    )
    if alert is None:
        raise Http404
    return alert, alert.reader_is_member


def follows_delivery(user, alert: Alert) -> bool:
    """The sender, référents of the alert's community and staff follow its delivery."""
    return alert.sender_id == user.pk or user.is_staff or alert.reader_is_referent
