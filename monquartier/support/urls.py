from django.urls import path

from monquartier.support import staff_views, views

app_name = "support"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/suivi/<str:token>/", views.visitor_ticket, name="visitor_ticket"),
    path(
        "contact/suivi/<str:token>/piece-jointe/<id:message_id>/",
        views.visitor_attachment,
        name="visitor_attachment",
    ),
    path("contact/<slug:kind>/", views.contact_form, name="contact_form"),
    path("parametres/demandes/", views.my_tickets, name="my_tickets"),
    path("parametres/demandes/<id:ticket_id>/", views.my_ticket, name="my_ticket"),
    path("assistance/piece-jointe/<id:message_id>/", views.attachment, name="attachment"),
    path("equipe/assistance/", staff_views.queue, name="staff_queue"),
    path("equipe/assistance/<id:ticket_id>/", staff_views.ticket_detail, name="staff_ticket"),
    path(
        "equipe/assistance/<id:ticket_id>/message/",
        staff_views.post_message,
        name="staff_message",
    ),
    path("equipe/assistance/<id:ticket_id>/confier/", staff_views.assign, name="staff_assign"),
    path(
        "equipe/assistance/<id:ticket_id>/statut/", staff_views.change_status, name="staff_status"
    ),
    path(
        "equipe/assistance/<id:ticket_id>/compte/<slug:action>/",
        staff_views.account_action,
        name="staff_account",
    ),
]
