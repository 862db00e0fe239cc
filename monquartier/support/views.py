"""The contact form and the requester's side of their tickets."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from monquartier.core.protected_media import serve_protected_file
from monquartier.support import access, links, services
from monquartier.support.forms import ContactForm, RequesterMessageForm, fact_label
from monquartier.support.models import CONTACT_KINDS, Ticket, TicketKind, TicketMessage

TICKETS_PAGE_SIZE = 20


def _client_address(request) -> str:
    try:
        return get_adapter().get_client_ip(request)
    except PermissionDenied:
        return ""


def facts_of(ticket: Ticket) -> list[tuple[str, str]]:
    return [(fact_label(name), value) for name, value in ticket.facts.items()]


@login_not_required
def contact(request):
    """Step one: what the message is about (each subject has its own form)."""
    return render(request, "support/contact.html", {"kinds": CONTACT_KINDS})


@login_not_required
def contact_form(request, kind: str):
    if kind not in CONTACT_KINDS:
        raise Http404
    visitor = not request.user.is_authenticated
    form = ContactForm(request.POST or None, request.FILES or None, kind=kind, visitor=visitor)
    if request.method == "POST":
        if form.is_bot:
            # Looks sent, so a bot learns nothing; nothing is saved.
            return render(request, "support/thanks.html", {"ticket": None})
        if form.is_valid():
            try:
                ticket = services.open_ticket(
                    None if visitor else request.user,
                    kind=kind,
                    body=form.cleaned_data["body"],
                    facts=form.facts(),
                    attachment=form.cleaned_data.get("attachment"),
                    visitor_name=form.cleaned_data.get("visitor_name", ""),
                    visitor_email=form.cleaned_data.get("visitor_email", ""),
                    visitor_phone=form.cleaned_data.get("visitor_phone", ""),
                    source_address=_client_address(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if visitor:
                    return render(request, "support/thanks.html", {"ticket": ticket})
                messages.success(
                    request,
                    _("Votre demande %(ref)s est envoyée : l'équipe vous répond ici et par e-mail.")
                    % {"ref": ticket.reference},
                )
                return redirect("support:my_ticket", ticket.pk)
    return render(
        request,
        "support/contact_form.html",
        {"form": form, "kind": TicketKind(kind), "visitor": visitor},
    )


def my_tickets(request):
    tickets = Ticket.objects.of_requester(request.user).order_by("-updated_at", "-id")
    page = Paginator(tickets, TICKETS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/my_tickets.html", {"page": page})


def _thread(ticket: Ticket) -> list[TicketMessage]:
    return list(ticket.messages.public().select_related("author"))


def my_ticket(request, ticket_id: int):
    ticket = access.get_ticket_for_requester(request.user, ticket_id)
    form = RequesterMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_requester_message(
                ticket, request.user, form.cleaned_data["body"], form.cleaned_data.get("attachment")
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre message est envoyé à l'équipe."))
            return redirect("support:my_ticket", ticket.pk)
    return render(
        request,
        "support/ticket.html",
        {
            "ticket": ticket,
            "facts": facts_of(ticket),
            "thread": _thread(ticket),
            "form": form,
            "token": None,
        },
    )


@login_not_required
@never_cache
def visitor_ticket(request, token: str):
    """A visitor's ticket, opened from the link of the desk's e-mails: its thread and a
    reply form, nothing of any account."""
    ticket = links.ticket_for_token(token)
    if ticket is None:
        return render(request, "support/link_invalid.html", status=404)
    form = RequesterMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_requester_message(
                ticket, None, form.cleaned_data["body"], form.cleaned_data.get("attachment")
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Votre message est envoyé à l'équipe."))
            return redirect("support:visitor_ticket", token)
    response = render(
        request,
        "support/ticket.html",
        {
            "ticket": ticket,
            "facts": facts_of(ticket),
            "thread": _thread(ticket),
            "form": form,
            "token": token,
        },
    )
    # The link is the key: never sent on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


def attachment(request, message_id: int):
    message = access.get_attachment(request.user, message_id)
    return serve_protected_file(message.attachment.name)


@login_not_required
def visitor_attachment(request, token: str, message_id: int):
    ticket = links.ticket_for_token(token)
    if ticket is None:
        raise Http404
    message = access.get_attachment(request.user, message_id, ticket=ticket)
    return serve_protected_file(message.attachment.name)
