from django.contrib import admin
from django.urls import path

from monquartier.staffops import views

app_name = "staffops"

# admin_view: staff only (others go to the log-in), never cached, like the admin's own
# pages; the second factor is asked by accounts' SecondFactorMiddleware.
urlpatterns = [
    path("equipe/fusion/", admin.site.admin_view(views.merge), name="merge"),
    path(
        "equipe/communautes/<id:community_id>/perimetre/",
        admin.site.admin_view(views.change_area),
        name="area",
    ),
    path(
        "equipe/communautes/<id:community_id>/derogation-rurale/",
        admin.site.admin_view(views.rural_exemption),
        name="rural_exemption",
    ),
    path("equipe/couts/", admin.site.admin_view(views.sms_costs), name="sms_costs"),
    path(
        "equipe/couts/alertes/<id:alert_id>/",
        admin.site.admin_view(views.alert_costs),
        name="alert_costs",
    ),
]
