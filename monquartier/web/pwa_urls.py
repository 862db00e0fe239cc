"""The web app's files at the site root and the push subscription endpoints.

Included at the root: path("", include("monquartier.web.pwa_urls")).
"""

from django.urls import path

from monquartier.web import pwa

app_name = "pwa"

urlpatterns = [
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("hors-ligne/", pwa.offline, name="offline"),
    path("notifications/push/cle/", pwa.push_key, name="push_key"),
    path("notifications/push/abonnement/", pwa.subscribe, name="subscribe"),
    path("notifications/push/desabonnement/", pwa.unsubscribe, name="unsubscribe"),
]
