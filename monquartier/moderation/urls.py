from django.urls import path

from monquartier.moderation import views

app_name = "moderation"

urlpatterns = [
    path("signaler/<str:kind>/<id:object_id>/", views.report, name="report"),
    path(
        "c/<id:community_id>/membres/<id:user_id>/exclusion/",
        views.request_exclusion,
        name="exclusion",
    ),
]
