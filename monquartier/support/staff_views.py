"""The staff's support desk: the queue and a ticket's page, in the admin's look.

Anyone else gets a 404 (access.require_staff). Every change goes through a service,
which records it in the audit log."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.audit import log
from monquartier.support import access, services
from monquartier.support.forms import (
    AccountActionForm,
    AssignForm,
    QueueFilterForm,
    StaffMessageForm,
    StatusForm,
)
from monquartier.support.models import OPEN_STATUSES, Ticket, TicketKind
from monquartier.support.views import facts_of

QUEUE_PAGE_SIZE = 50


def _context(request, **values) -> dict:
    return {**admin.site.each_context(request), **values}


def queue(request):
    access.require_staff(request.user)
    form = QueueFilterForm(request.GET or None)
    tickets = Ticket.objects.select_related("requester", "assignee", "community")
    status = kind = assignee = ""
    if form.is_valid():
        status, kind, assignee = (
            form.cleaned_data[name] for name in ("status", "kind", "assignee")
        )
    if status == "":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        tickets = tickets.filter(status=status)
    if kind:
        tickets = tickets.filter(kind=kind)
    if assignee == "me":
        tickets = tickets.filter(assignee=request.user)
    elif assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    search = request.GET.get("q", "").strip()[:100]
    if search:
        condition = Q(visitor_email__icontains=search) | Q(visitor_name__icontains=search)
        condition |= Q(requester__email__icontains=search) | Q(
            requester__last_name__icontains=search
        )
        if search.lstrip("#").isdigit() and len(search) < 19:
            condition |= Q(pk=int(search.lstrip("#")))
        tickets = tickets.filter(condition)
    page = Paginator(tickets.order_by("-updated_at", "-id"), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "support/staff/queue.html",
        _context(
            request,
            title=_("Demandes d'aide"),
            form=form,
            page=page,
            search=search,
            query=query.urlencode(),
        ),
    )


def _ticket_page(request, ticket: Ticket, **forms) -> dict:
    return _context(
        request,
        title=f"{ticket.reference} · {ticket.get_kind_display()}",
        ticket=ticket,
        facts=facts_of(ticket),
        thread=list(ticket.messages.select_related("author")),
        message_form=forms.get("message_form") or StaffMessageForm(),
        assign_form=forms.get("assign_form")
        or AssignForm(initial={"assignee": ticket.assignee_id}),
        status_form=forms.get("status_form") or StatusForm(initial={"status": ticket.status}),
        account_form=forms.get("account_form")
        or AccountActionForm(initial={"account": ticket.impersonator_id or ""}),
        is_identity_theft=ticket.kind == TicketKind.IDENTITY_THEFT,
    )


def ticket_detail(request, ticket_id: int):
    ticket = access.get_ticket_for_staff(request.user, ticket_id)
    # The page shows the requester's and the suspected account's addresses: staff looking
    # at a member's personal data is recorded (the member may learn that staff looked).
    for person in {ticket.requester, ticket.impersonator} - {None}:
        log.record(request.user, "member.view", member=person, target=ticket)
    return render(request, "support/staff/ticket.html", _ticket_page(request, ticket))


def _done(request, ticket: Ticket, text: str):
    messages.success(request, text)
    return redirect("support:staff_ticket", ticket.pk)


def _invalid(request, ticket: Ticket, form, name: str):
    """The ticket's page again, with the form that was refused under its `name`."""
    return render(
        request,
        "support/staff/ticket.html",
        _ticket_page(request, ticket, **{name: form}),
        status=400,
    )


def _refused(request, ticket: Ticket, form, error: ValidationError, name: str):
    form.add_error(None, error)
    return _invalid(request, ticket, form, name)


@require_POST
def post_message(request, ticket_id: int):
    ticket = access.get_ticket_for_staff(request.user, ticket_id)
    form = StaffMessageForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["kind"] == StaffMessageForm.REPLY:
                services.reply(request.user, ticket, form.cleaned_data["body"])
                return _done(request, ticket, _("Réponse envoyée."))
            services.add_note(request.user, ticket, form.cleaned_data["body"])
            return _done(request, ticket, _("Note ajoutée."))
        except ValidationError as error:
            return _refused(request, ticket, form, error, "message_form")
    return _invalid(request, ticket, form, "message_form")


@require_POST
def assign(request, ticket_id: int):
    ticket = access.get_ticket_for_staff(request.user, ticket_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.assign(request.user, ticket, form.cleaned_data["assignee"])
        except ValidationError as error:
            return _refused(request, ticket, form, error, "assign_form")
        return _done(request, ticket, _("Demande confiée."))
    return _invalid(request, ticket, form, "assign_form")


@require_POST
def change_status(request, ticket_id: int):
    ticket = access.get_ticket_for_staff(request.user, ticket_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.set_status(request.user, ticket, form.cleaned_data["status"])
        return _done(request, ticket, _("Statut changé."))
    return _invalid(request, ticket, form, "status_form")


_ACCOUNT_ACTIONS = {
    "suspendre": (
        lambda staff, ticket, data: services.suspend_impersonator(
            staff, ticket, data["account"], data["reason"]
        ),
        _("Compte suspendu : il ne peut plus se connecter. La personne qui a écrit est prévenue."),
    ),
    "retablir": (
        lambda staff, ticket, data: services.restore_impersonator(staff, ticket, data["reason"]),
        _("Compte rétabli."),
    ),
    "fermer": (
        lambda staff, ticket, data: services.close_impersonator(staff, ticket, data["reason"]),
        _("Compte fermé : ses données personnelles sont effacées."),
    ),
}


@require_POST
def account_action(request, ticket_id: int, action: str):
    ticket = access.get_ticket_for_staff(request.user, ticket_id)
    if action not in _ACCOUNT_ACTIONS:
        raise Http404
    service, done = _ACCOUNT_ACTIONS[action]
    form = AccountActionForm(request.POST)
    if form.is_valid():
        try:
            service(request.user, ticket, form.cleaned_data)
        except ValidationError as error:
            return _refused(request, ticket, form, error, "account_form")
        return _done(request, ticket, str(done))
    return _invalid(request, ticket, form, "account_form")
