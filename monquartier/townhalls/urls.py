from django.urls import path

from monquartier.townhalls import dashboard_views, views

app_name = "townhalls"

urlpatterns = [
    path("mairie/", views.console, name="console"),
    path("mairie/agents/", views.agent_list, name="agents"),
    path("mairie/tableau-de-bord/", dashboard_views.dashboard_page, name="dashboard"),
    path(
        "mairie/tableau-de-bord/export.csv",
        dashboard_views.dashboard_export,
        name="dashboard_export",
    ),
    path("mairie/agents/<id:agent_id>/retirer/", views.remove_agent, name="remove_agent"),
    path(
        "mairie/invitations/<id:invitation_id>/annuler/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("mairie/invitation/<str:token>/", views.invitation, name="invitation"),
]
