"""What the shop holds about a member, for « Télécharger mes données » (accounts/exports.py)."""

from monquartier.shop.models import Order


def orders(user) -> list[dict]:
    return [
        {
            "number": order.number,
            "state": order.state,
            "created_at": order.created_at,
            "delivery": {
                "method": order.delivery_method,
                "commune": order.commune.name if order.commune else "",
                "quartier": order.quartier,
                "landmark": order.landmark,
                "phone": order.phone,
            },
            "lines": [
                {"name": line.name, "quantity": line.quantity, "unit_price": line.unit_price}
                for line in order.lines.all()
            ],
            "total": order.total,
            "invoice": getattr(getattr(order, "invoice", None), "number", ""),
        }
        for order in Order.objects.of(user)
        .select_related("commune", "invoice")
        .prefetch_related("lines")
    ]
