"""Who may open which ticket: 404 for everything else."""

from django.http import Http404

from monquartier.support.models import Ticket, TicketMessage


def require_staff(user) -> None:
    # Staff pages do not exist for anyone else (not a 403 that tells they are there).
    if not (user.is_authenticated and user.is_staff):
        raise Http404


def get_ticket_for_staff(user, ticket_id: int) -> Ticket:
    require_staff(user)
    ticket = (
        Ticket.objects.select_related(
            "requester",
            "assignee",
            "community",
            "membership",
            "membership__community",
            "exclusion",
            "exclusion__member",
            "impersonator",
        )
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def get_ticket_for_requester(user, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.of_requester(user).filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def get_attachment(user, message_id: int, *, ticket: Ticket | None = None) -> TicketMessage:
    """A message's attachment: staff see all; a requester those of their ticket's
    public thread (a visitor's ticket comes from their signed link)."""
    message = TicketMessage.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None or not message.attachment:
        raise Http404
    if user.is_authenticated and user.is_staff:
        return message
    if not message.is_public:
        raise Http404
    if ticket is not None:
        allowed = message.ticket_id == ticket.pk
    else:
        allowed = user.is_authenticated and message.ticket.requester_id == user.pk
    if not allowed:
        raise Http404
    return message
