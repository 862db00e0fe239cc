from django.urls import path

from monquartier.alerts import views

app_name = "alerts"

urlpatterns = [
    path("alertes/", views.alert_list, name="list"),
    path("alertes/lancer/", views.launch, name="launch"),
    path("alertes/a-verifier/", views.held, name="held"),
    path("alertes/<id:alert_id>/verifier/", views.decide_held, name="decide_held"),
    path("alertes/<id:alert_id>/", views.detail, name="detail"),
    path("alertes/<id:alert_id>/corriger/", views.launch, name="correct"),
    path("alertes/<id:alert_id>/envois/", views.progress, name="progress"),
    path("alertes/<id:alert_id>/masquer/", views.hide, name="hide"),
    path("alertes/<id:alert_id>/vu/", views.acknowledge, name="acknowledge"),
    path("a/<id:alert_id>/", views.short_link, name="short"),
]
