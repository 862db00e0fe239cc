from django.urls import path

from monquartier.communities import public_views

app_name = "public"

urlpatterns = [
    path("communautes/", public_views.communes, name="communes"),
    path("communautes/<slug:slug>/", public_views.commune, name="commune"),
    path(
        "communautes/<slug:slug>/<id:community_id>/", public_views.community_page, name="community"
    ),
]
