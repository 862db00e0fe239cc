from django.urls import path

from monquartier.townhalls import console, views

app_name = "townhalls"

urlpatterns = [
    path("mairie/", console.console, name="console"),
    path("mairie/communautes/<id:community_id>/", console.community, name="community"),
    path("mairie/reglages/", console.settings, name="settings"),
    path("mairie/demandes/", console.join_requests, name="requests"),
    path(
        "mairie/demandes/<id:membership_id>/accepter/",
        console.accept_request,
        name="accept_request",
    ),
    path(
        "mairie/demandes/<id:membership_id>/refuser/",
        console.refuse_request,
        name="refuse_request",
    ),
    path("mairie/jumelages/", console.twin_all, name="twin_all"),
    path("mairie/jumelages/tout-jumeler/", console.twin_all_confirm, name="twin_all_confirm"),
    path("mairie/jumelages/tout-terminer/", console.end_all_confirm, name="end_all_confirm"),
    path("mairie/agents/", views.agent_list, name="agents"),
    path("mairie/agents/<id:agent_id>/retirer/", views.remove_agent, name="remove_agent"),
    path(
        "mairie/invitations/<id:invitation_id>/annuler/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("mairie/invitation/<str:token>/", views.invitation, name="invitation"),
]
