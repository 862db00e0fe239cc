"""The members' shop: catalogue, cart, checkout, payment and its return, their orders.

Thin: the services decide. The aggregator not answering is never a 500: the order waits
and the member is told to try again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from monquartier.communities.models import Membership
from monquartier.outbox.sms.base import WebhookError, read_form_body, storable_text
from monquartier.shop import access, documents, payments, personalisation, services
from monquartier.shop.forms import CheckoutForm, QuantityForm
from monquartier.shop.models import (
    CartItem,
    DeliveryZone,
    NotificationOutcome,
    Order,
    OrderState,
    Product,
)

HISTORY_PAGE_SIZE = 20


def _community(user):
    membership = Membership.objects.active_for(user)
    return membership.community if membership else None


def _cart_count(user) -> int:
    return CartItem.objects.filter(cart__user=user).aggregate(n=Sum("quantity"))["n"] or 0


def catalogue(request):
    community = _community(request.user)
    products = Product.objects.on_sale().filter(
        personalisation__in=personalisation.allowed(community)
    )
    return render(
        request,
        "shop/catalogue.html",
        {"products": products, "cart_count": _cart_count(request.user), "community": community},
    )


def product_detail(request, product_id: int):
    product = get_object_or_404(Product.objects.on_sale(), pk=product_id)
    community = _community(request.user)
    if not personalisation.can_order(product, community):
        raise Http404
    form = QuantityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_cart(request.user, product, form.cleaned_data["quantity"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return render(
                    request,
                    "shop/_added.html",
                    {"product": product, "cart_count": _cart_count(request.user)},
                )
            messages.success(request, _("Ajouté au panier."))
            return redirect("shop:cart")
    return render(
        request,
        "shop/product.html",
        {
            "product": product,
            "form": form,
            "personalised_with": personalisation.personalised_with(product, community),
        },
    )


def _cart_context(user) -> dict:
    items = list(CartItem.objects.filter(cart__user=user).select_related("product").order_by("id"))
    for item in items:
        item.amount = item.product.price * item.quantity  # type: ignore[attr-defined]
    return {"items": items, "subtotal": sum(item.amount for item in items)}  # type: ignore[attr-defined]


def cart(request):
    if request.method == "POST":
        form = QuantityForm(request.POST)
        product_id = request.POST.get("product", "")
        if form.is_valid() and product_id.isdigit() and len(product_id) < 19:
            try:
                services.set_cart_quantity(
                    request.user, int(product_id), form.cleaned_data["quantity"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("Quantité invalide : entre 0 et 100."))
        if request.htmx:
            return render(request, "shop/_cart.html", _cart_context(request.user))
        return redirect("shop:cart")
    return render(request, "shop/cart.html", _cart_context(request.user))


def checkout(request):
    context = _cart_context(request.user)
    if not context["items"]:
        messages.info(request, _("Votre panier est vide."))
        return redirect("shop:catalogue")
    initial = {"phone": request.user.mobile_display} if request.user.mobile else {}
    form = CheckoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("shop:order", order.pk)
    zones = list(DeliveryZone.objects.filter(active=True).prefetch_related("communes"))
    return render(request, "shop/checkout.html", {**context, "form": form, "zones": zones})


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def order_detail(request, order_id: int):
    order = access.get_order_for_customer(request.user, order_id)
    return render(
        request,
        "shop/order.html",
        {"order": order, "lines": list(order.lines.all()), "states": OrderState},
    )


@require_POST
def pay(request, order_id: int):
    order = access.get_order_for_customer(request.user, order_id)
    try:
        payment = services.start_payment(order)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except payments.PaymentUnavailable:
        messages.error(
            request,
            _(
                "Le service de paiement ne répond pas pour le moment. Votre commande reste "
                "réservée : réessayez dans quelques minutes."
            ),
        )
    else:
        # A link, not a redirect: the pages' policy lets forms post to our site only
        # (CSP form-action), and the customer sees what happens next.
        return render(request, "shop/pay.html", {"order": order, "payment": payment})
    return redirect("shop:order", order.pk)


def payment_return(request, order_id: int):
    """Where the aggregator sends the customer back: we ask it the status ourselves."""
    order = access.get_order_for_customer(request.user, order_id)
    if order.state == OrderState.AWAITING_PAYMENT:
        try:
            outcome = services.check_order_payment(order)
        except payments.PaymentUnavailable:
            messages.warning(
                request,
                _(
                    "Nous n'avons pas encore la confirmation du paiement : le service de "
                    "paiement ne répond pas. Vous recevrez un e-mail dès qu'il sera confirmé."
                ),
            )
        else:
            if outcome == NotificationOutcome.NOT_ACCEPTED:
                messages.warning(
                    request,
                    _("Le paiement n'est pas (encore) accepté. Vous pouvez réessayer."),
                )
        order.refresh_from_db()
    if order.state == OrderState.PAID:
        messages.success(request, _("Paiement reçu : merci ! Votre facture est prête."))
    return redirect("shop:order", order.pk)


@require_POST
def cancel(request, order_id: int):
    order = access.get_order_for_customer(request.user, order_id)
    try:
        services.cancel_order(request.user, order)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Commande annulée."))
    return redirect("shop:order", order.pk)


def history(request):
    """Paramètres › Mes achats."""
    orders = Order.objects.of(request.user).select_related("invoice")
    page = Paginator(orders, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "shop/history.html", {"page": page})


def invoice(request, order_id: int):
    found = access.get_invoice_for_owner(request.user, order_id)
    response = HttpResponse(
        documents.invoice_pdf(found, request.user), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="facture-{found.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# The aggregator's notification -----------------------------------------------------------

_ANSWERS: dict[str, int] = {
    NotificationOutcome.CONFIRMED: 200,
    NotificationOutcome.ALREADY_DONE: 200,
    NotificationOutcome.NOT_ACCEPTED: 200,
    NotificationOutcome.BAD_SIGNATURE: 403,
    NotificationOutcome.UNKNOWN: 404,
    NotificationOutcome.MISMATCH: 409,
    NotificationOutcome.MALFORMED: 400,
    # Our check could not reach the aggregator: it will notify again.
    NotificationOutcome.UNCHECKED: 503,
}


@csrf_exempt
@login_not_required
def payment_webhook(request):
    if request.method != "POST":
        # CinetPay pings the URL with a GET to see that it is there.
        return HttpResponse("ok", content_type="text/plain")
    try:
        if request.content_type == "multipart/form-data":
            # Some aggregators' retries post multipart; Django bounds what it parses.
            fields = {name: request.POST.get(name, "") for name in list(request.POST)[:100]}
        else:
            fields = read_form_body(request)
    except WebhookError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        return JsonResponse({"error": "unreadable body"}, status=400)
    # Kept as received (a bounded form: 100 fields at most), each value bounded.
    fields = {
        storable_text(name)[:60]: storable_text(value)[:300] for name, value in fields.items()
    }
    outcome = services.handle_notification(fields, request.headers.get("x-token", ""))
    return JsonResponse({"outcome": outcome}, status=_ANSWERS[outcome])
