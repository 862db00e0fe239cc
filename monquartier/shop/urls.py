from django.urls import path

from monquartier.shop import staff_views, views
from monquartier.shop.access import shop_page

app_name = "shop"

# Every page through shop_page: with SHOP_ENABLED off they answer 404 (the URL names
# stay, so that templates still reverse them behind their {% if SHOP_ENABLED %}).

urlpatterns = [
    path("boutique/", shop_page(views.catalogue), name="catalogue"),
    path("boutique/produits/<id:product_id>/", shop_page(views.product_detail), name="product"),
    path("boutique/panier/", shop_page(views.cart), name="cart"),
    path("boutique/commander/", shop_page(views.checkout), name="checkout"),
    path("boutique/commandes/<id:order_id>/", shop_page(views.order_detail), name="order"),
    path("boutique/commandes/<id:order_id>/payer/", shop_page(views.pay), name="pay"),
    path(
        "boutique/commandes/<id:order_id>/retour/",
        shop_page(views.payment_return),
        name="payment_return",
    ),
    path("boutique/commandes/<id:order_id>/annuler/", shop_page(views.cancel), name="cancel"),
    path("boutique/commandes/<id:order_id>/facture/", shop_page(views.invoice), name="invoice"),
    path("parametres/achats/", shop_page(views.history), name="history"),
    path("webhooks/paiement/cinetpay/", shop_page(views.payment_webhook), name="payment_webhook"),
    path("equipe/boutique/", shop_page(staff_views.queue), name="staff_queue"),
    path("equipe/boutique/<id:order_id>/", shop_page(staff_views.order_detail), name="staff_order"),
    path(
        "equipe/boutique/demandes-des-mairies/<id:request_id>/commander/",
        shop_page(staff_views.request_to_order),
        name="staff_request_to_order",
    ),
    path(
        "equipe/boutique/<id:order_id>/etape/", shop_page(staff_views.advance), name="staff_advance"
    ),
    path(
        "equipe/boutique/<id:order_id>/rembourser/",
        shop_page(staff_views.refund),
        name="staff_refund",
    ),
    path(
        "equipe/boutique/<id:order_id>/annuler/", shop_page(staff_views.cancel), name="staff_cancel"
    ),
    path(
        "equipe/boutique/<id:order_id>/confirmer-le-mandat/",
        shop_page(staff_views.confirm_mandate),
        name="staff_confirm_mandate",
    ),
    path(
        "equipe/boutique/<id:order_id>/paiement-du-mandat/",
        shop_page(staff_views.record_mandate_payment),
        name="staff_mandate_payment",
    ),
    path(
        "equipe/boutique/<id:order_id>/facture/",
        shop_page(staff_views.invoice),
        name="staff_invoice",
    ),
    path(
        "equipe/boutique/<id:order_id>/bon-de-preparation/",
        shop_page(staff_views.packing_slip),
        name="staff_packing_slip",
    ),
]
