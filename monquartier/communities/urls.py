from django.urls import path

from monquartier.communities import views

app_name = "communities"

urlpatterns = [
    path("quartier/", views.my_community, name="mine"),
    path("quartier/rejoindre/", views.join, name="join"),
    path("quartier/annuler-ma-demande/", views.cancel_request, name="cancel_request"),
    path("quartier/creer/", views.create, name="create"),
    path("quartier/quitter/", views.leave, name="leave"),
    path("membres/<id:user_id>/photo/<str:size>/", views.member_photo, name="photo"),
    path("c/<id:community_id>/", views.info, name="info"),
    path("c/<id:community_id>/annuaire/", views.directory, name="directory"),
    path("c/<id:community_id>/membres/<id:user_id>/", views.member_card, name="member"),
    path("c/<id:community_id>/historique/", views.history, name="history"),
    path("c/<id:community_id>/demandes/", views.requests, name="requests"),
    path(
        "c/<id:community_id>/demandes/<id:membership_id>/accepter/",
        views.accept_request,
        name="accept",
    ),
    path(
        "c/<id:community_id>/demandes/<id:membership_id>/refuser/",
        views.refuse_request,
        name="refuse",
    ),
    path("c/<id:community_id>/referents/", views.referents, name="referents"),
    path(
        "c/<id:community_id>/referents/<id:user_id>/<str:action>/",
        views.change_referent,
        name="referent_action",
    ),
    path("c/<id:community_id>/delimitation/", views.boundary, name="boundary"),
    path("c/<id:community_id>/reglages/", views.community_settings, name="settings"),
    path("c/<id:community_id>/jumelages/", views.twinnings, name="twinnings"),
    path(
        "c/<id:community_id>/jumelages/<id:twinning_id>/<str:action>/",
        views.twinning_action,
        name="twinning_action",
    ),
    path(
        "c/<id:community_id>/inscrire-un-voisin/",
        views.register_neighbour,
        name="register_neighbour",
    ),
]
