"""What opens a ticket besides the contact form: a join request escalated after 15 days
(communities' job) and a référent's exclusion request (moderation), so that staff find
them in the same queue."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from monquartier.communities.models import Membership, MembershipStatus
from monquartier.communities.signals import join_requests_escalated
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus
from monquartier.support import services


@receiver(join_requests_escalated, dispatch_uid="support_tickets_for_escalated_requests")
def ticket_for_escalated_requests(sender, memberships, **kwargs):
    services.open_escalated_join_tickets(memberships)


@receiver(post_save, sender=ExclusionRequest, dispatch_uid="support_ticket_for_exclusion")
def ticket_for_exclusion(sender, instance: ExclusionRequest, created: bool, raw=False, **kwargs):
    if raw:
        return
    if created:
        services.open_exclusion_ticket(instance)
    elif instance.status != ExclusionStatus.PENDING:
        services.close_exclusion_ticket(instance)


@receiver(post_save, sender=Membership, dispatch_uid="support_ticket_of_a_decided_request")
def ticket_of_a_decided_request(
    sender, instance: Membership, raw=False, update_fields=None, **kwargs
):
    # Only a save that changes the status (accepted, refused, cancelled) costs a query.
    if raw or update_fields is None or "status" not in update_fields:
        return
    if instance.status != MembershipStatus.PENDING:
        services.close_join_request_tickets(instance)
