from django.urls import path

from monquartier.shop import staff_views, views

app_name = "shop"

urlpatterns = [
    path("boutique/", views.catalogue, name="catalogue"),
    path("boutique/produits/<id:product_id>/", views.product_detail, name="product"),
    path("boutique/panier/", views.cart, name="cart"),
    path("boutique/commander/", views.checkout, name="checkout"),
    path("boutique/commandes/<id:order_id>/", views.order_detail, name="order"),
    path("boutique/commandes/<id:order_id>/payer/", views.pay, name="pay"),
    path("boutique/commandes/<id:order_id>/retour/", views.payment_return, name="payment_return"),
    path("boutique/commandes/<id:order_id>/annuler/", views.cancel, name="cancel"),
    path("boutique/commandes/<id:order_id>/facture/", views.invoice, name="invoice"),
    path("parametres/achats/", views.history, name="history"),
    path("webhooks/paiement/cinetpay/", views.payment_webhook, name="payment_webhook"),
    path("equipe/boutique/", staff_views.queue, name="staff_queue"),
    path("equipe/boutique/<id:order_id>/", staff_views.order_detail, name="staff_order"),
    path("equipe/boutique/<id:order_id>/etape/", staff_views.advance, name="staff_advance"),
    path("equipe/boutique/<id:order_id>/rembourser/", staff_views.refund, name="staff_refund"),
    path("equipe/boutique/<id:order_id>/annuler/", staff_views.cancel, name="staff_cancel"),
    path(
        "equipe/boutique/<id:order_id>/confirmer-le-mandat/",
        staff_views.confirm_mandate,
        name="staff_confirm_mandate",
    ),
    path(
        "equipe/boutique/<id:order_id>/paiement-du-mandat/",
        staff_views.record_mandate_payment,
        name="staff_mandate_payment",
    ),
    path("equipe/boutique/<id:order_id>/facture/", staff_views.invoice, name="staff_invoice"),
    path(
        "equipe/boutique/<id:order_id>/bon-de-preparation/",
        staff_views.packing_slip,
        name="staff_packing_slip",
    ),
]
