"""The staff's order queue (/equipe/boutique/), in the admin's look. Anyone else gets a
404 (access.require_staff); every change is a service, recorded in the audit log."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.audit import log
from monquartier.shop import access, documents, requests, services
from monquartier.shop.forms import RefundForm
from monquartier.shop.models import NEXT_STATE, REFUNDABLE, Order, OrderState, PaymentStatus

QUEUE_PAGE_SIZE = 50
WAITING_REQUESTS_SHOWN = 20


def _context(request, **values) -> dict:
    return {**admin.site.each_context(request), **values}


def queue(request):
    access.require_staff(request.user)
    state = request.GET.get("etat", OrderState.PAID)
    if state not in OrderState.values:
        state = OrderState.PAID
    counts = dict(
        Order.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    orders = Order.objects.filter(state=state).select_related("user", "commune", "zone")
    page = Paginator(orders.order_by("created_at", "id"), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    waiting, waiting_count = requests.waiting(WAITING_REQUESTS_SHOWN)
    return render(
        request,
        "shop/staff/queue.html",
        _context(
            request,
            title=_("Commandes de la boutique"),
            page=page,
            state=state,
            tabs=[(value, label, counts.get(value, 0)) for value, label in OrderState.choices],
            waiting=waiting,
            waiting_count=waiting_count,
        ),
    )


def order_detail(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    payments = list(order.payments.prefetch_related("notifications"))
    return render(
        request,
        "shop/staff/order.html",
        _context(
            request,
            title=order.number,
            order=order,
            lines=list(order.lines.all()),
            payments=payments,
            next_state=NEXT_STATE.get(order.state),  # type: ignore[call-overload]
            refundable=order.state in REFUNDABLE
            or any(payment.status == PaymentStatus.ACCEPTED for payment in payments),
            refund_form=RefundForm(),
            invoice=getattr(order, "invoice", None),
        ),
    )


@require_POST
def advance(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    try:
        services.advance_order(request.user, order, from_state=request.POST.get("from", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Commande mise à jour ; le client est prévenu."))
    return redirect("shop:staff_order", order.pk)


@require_POST
def refund(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            services.refund_order(request.user, order, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Commande remboursée ; le client est prévenu."))
    else:
        messages.error(request, _("Indiquez la référence et la raison du remboursement."))
    return redirect("shop:staff_order", order.pk)


@require_POST
def confirm_mandate(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    try:
        invoice = services.confirm_mandate_order(request.user, order)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Commande confirmée, facture %(number)s émise ; la mairie est prévenue.")
            % {"number": invoice.number},
        )
    return redirect("shop:staff_order", order.pk)


@require_POST
def record_mandate_payment(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    try:
        services.record_mandate_payment(
            request.user, order, reference=request.POST.get("reference", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Paiement du mandat enregistré ; la mairie est prévenue."))
    return redirect("shop:staff_order", order.pk)


@require_POST
def request_to_order(request, request_id: int):
    """A town hall's signage request stored without an order becomes one, by mandate."""
    access.require_staff(request.user)
    try:
        order = requests.to_order(request.user, request_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("shop:staff_queue")
    messages.success(
        request,
        _("Commande %(number)s créée pour la mairie : confirmez-la pour la facturer.")
        % {"number": order.number},
    )
    return redirect("shop:staff_order", order.pk)


@require_POST
def cancel(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    try:
        services.cancel_order(request.user, order)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("shop:staff_order", order.pk)


def packing_slip(request, order_id: int):
    order = access.get_order_for_staff(request.user, order_id)
    log.record(request.user, "shop.order.packing_slip", member=order.user, target=order)
    response = HttpResponse(
        documents.packing_slip_pdf(order, request.user), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="preparation-{order.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def invoice(request, order_id: int):
    found = access.get_invoice_for_staff(request.user, order_id)
    log.record(request.user, "shop.invoice.download", member=found.order.user, target=found)
    response = HttpResponse(
        documents.invoice_pdf(found, request.user), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="facture-{found.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
