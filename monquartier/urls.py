from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from monquartier.accounts import views as account_views
from monquartier.accounts.urls import reauthenticated_allauth_urls
from monquartier.core import views as core_views
from monquartier.notifications import links
from monquartier.notifications import views as notification_views
from monquartier.outbox import views as outbox_views
from monquartier.outbox import webhooks
from monquartier.outbox.voice import webhooks as voice_webhooks
from monquartier.web import views as web_views

# One log-in for everyone, with its rate limits and the staff's second factor: the
# admin's own form only sends to it.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # on purpose
admin.site.site_header = _("MonQuartier — administration")
admin.site.site_title = "MonQuartier"

urlpatterns = [
    # First: an app's poll is resolved at once, not after every page of the site (each
    # pattern tried costs; the API's prefix is one test for a page's request).
    path("", include("monquartier.api.urls")),
    path("", web_views.home, name="home"),
    path("charte/", core_views.charter, name="charter"),
    path("sante/", core_views.health, name="health"),
    path("compte/", include(reauthenticated_allauth_urls)),
    path("compte/", include("allauth.urls")),
    path("", include("monquartier.accounts.urls")),
    path("", include("monquartier.communities.urls")),
    path("", include("monquartier.communities.public_urls")),
    path("", include("monquartier.alerts.urls")),
    path("", include("monquartier.messaging.urls")),
    path("", include("monquartier.moderation.urls")),
    path("", include("monquartier.gazette.urls")),
    path("", include("monquartier.townhalls.urls")),
    path("", include("monquartier.helpcentre.urls")),
    path("", include("monquartier.newsletters.urls")),
    path("", include("monquartier.invitations.urls")),
    path("", include("monquartier.support.urls")),
    path("", include("monquartier.shop.urls")),
    path("", include("monquartier.staffops.urls")),
    path("", include("monquartier.ussd.urls")),
    path("", include("monquartier.web.pwa_urls")),
    path(
        "parametres/notifications/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("l/<str:token>/", links.follow_link, name="notification_link"),
    path("webhooks/sms/<str:provider>/<str:secret>/entrant/", webhooks.inbound, name="sms_inbound"),
    path(
        "webhooks/sms/<str:provider>/<str:secret>/accuses/",
        webhooks.delivery_reports,
        name="sms_reports",
    ),
    path("webhooks/voix/<str:secret>/", voice_webhooks.callback, name="voice_callback"),
    path("webhooks/voix/audio/<str:token>/", voice_webhooks.audio, name="voice_audio"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("dev/boite-d-envoi/", outbox_views.dev_outbox, name="dev_outbox"),
    path(
        "dev/boite-d-envoi/<id:message_id>/html/",
        outbox_views.dev_outbox_html,
        name="dev_outbox_html",
    ),
    path("admin/", admin.site.urls),
]
