from django.urls import path

from monquartier.newsletters import views

app_name = "newsletters"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
