from django.urls import path

from monquartier.helpcentre import views

app_name = "help"

urlpatterns = [
    path("aide/", views.index, name="index"),
    # Before the topic's address: "recherche" is a reserved topic slug (models.py).
    path("aide/recherche/", views.search, name="search"),
    path("aide/<slug:topic_slug>/", views.topic, name="topic"),
    path("aide/<slug:topic_slug>/<slug:question_slug>/", views.question, name="question"),
]
