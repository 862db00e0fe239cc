from django.urls import path

from monquartier.ussd import views

app_name = "ussd"

urlpatterns = [
    path("webhooks/ussd/<str:secret>/", views.callback, name="callback"),
]
