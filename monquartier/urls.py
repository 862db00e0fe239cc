from django.contrib import admin
from django.urls import include, path

from monquartier.core import views as core_views
from monquartier.notifications import views as notification_views

admin.site.site_header = "MonQuartier — administration"
admin.site.site_title = "MonQuartier"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("charte/", core_views.charter, name="charter"),
    path("sante/", core_views.health, name="health"),
    path("compte/", include("allauth.urls")),
    path("", include("monquartier.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dev/boite-d-envoi/", notification_views.dev_outbox, name="dev_outbox"),
    path(
        "dev/boite-d-envoi/<int:message_id>/html/",
        notification_views.dev_outbox_html,
        name="dev_outbox_html",
    ),
    path("admin/", admin.site.urls),
]
