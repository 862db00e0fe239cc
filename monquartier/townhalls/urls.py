from django.urls import path

from monquartier.townhalls import (
    alert_views,
    announcement_views,
    console,
    dashboard_views,
    police_views,
    residents,
    signage_views,
    views,
)

app_name = "townhalls"

urlpatterns = [
    path("mairie/", console.console, name="console"),
    path("mairie/carte.json", console.console_map, name="console_map"),
    path("mairie/communautes/<id:community_id>/", console.community, name="community"),
    path("mairie/validation/", console.validation_settings, name="validation"),
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
    path("mairie/tableau-de-bord/", dashboard_views.dashboard_page, name="dashboard"),
    path(
        "mairie/tableau-de-bord/export.csv",
        dashboard_views.dashboard_export,
        name="dashboard_export",
    ),
    path("mairie/annonces/", announcement_views.announcement_list, name="announcements"),
    path("mairie/annonces/nouvelle/", announcement_views.new_announcement, name="new_announcement"),
    path("mairie/agents/<id:agent_id>/retirer/", views.remove_agent, name="remove_agent"),
    path(
        "mairie/invitations/<id:invitation_id>/annuler/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("mairie/invitation/<str:token>/", views.invitation, name="invitation"),
    path("mairie/alertes/", alert_views.alert_list, name="alerts"),
    path("mairie/alertes/liste/", alert_views.alert_list_fragment, name="alerts_fragment"),
    path("mairie/alertes/<id:alert_id>/", alert_views.alert_detail, name="alert"),
    path("mairie/alertes/<id:alert_id>/vue/", alert_views.acknowledge, name="acknowledge"),
    path("mairie/reglages/", alert_views.agent_settings, name="settings"),
    path("mairie/police/", police_views.police_list, name="police"),
    path("mairie/police/<id:police_id>/", police_views.police_edit, name="police_edit"),
    path(
        "mairie/police/<id:police_id>/desactiver/",
        police_views.police_set_active,
        {"active": False},
        name="police_deactivate",
    ),
    path(
        "mairie/police/<id:police_id>/reactiver/",
        police_views.police_set_active,
        {"active": True},
        name="police_reactivate",
    ),
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
