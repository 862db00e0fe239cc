from django.urls import path

from monquartier.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.conversation_list, name="list"),
    path("messages/nouveau/", views.compose, name="compose"),
    path("messages/nouveau/personnes/", views.people, name="people"),
    path("messages/<id:conversation_id>/", views.conversation, name="conversation"),
]
