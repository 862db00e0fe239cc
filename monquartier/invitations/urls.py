from django.urls import path

from monquartier.invitations import views

app_name = "invitations"

urlpatterns = [
    path("inviter/", views.invite, name="invite"),
    path("inviter/sms/", views.invite_sms, name="sms"),
    path("inviter/e-mail/", views.invite_email, name="email"),
    path("inviter/mes-invitations/", views.sent, name="sent"),
    path("inviter/<slug:kind>.pdf", views.printed, name="printed"),
    path("invitation/<str:code>/", views.open_invitation, name="open"),
    path("c/<id:community_id>/referent/", views.referent_space, name="referent_space"),
    path("c/<id:community_id>/referent/kit/<slug:kind>.pdf", views.referent_kit, name="kit"),
]
