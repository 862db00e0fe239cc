from django.urls import path

from monquartier.townhalls import dashboard_views, residents, signage_views, views

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
    path("mairie/signaletique/", signage_views.signage, name="signage"),
    path("mairie-partenaire/", residents.partner_page, name="partner_page"),
    path(
        "mairie-partenaire/monquartier-<slug:slug>.pdf",
        residents.presentation,
        name="presentation",
    ),
    path(
        "mairie-partenaire/armoiries/<id:town_hall_id>/",
        residents.coat_of_arms,
        name="coat_of_arms",
    ),
]
