from django.urls import path

from monquartier.gazette import views

app_name = "gazette"

urlpatterns = [
    path("gazette/", views.post_list, name="list"),
    path("gazette/nouvelle/", views.create, name="create"),
    path("gazette/<id:post_id>/", views.detail, name="detail"),
    path("gazette/<id:post_id>/modifier/", views.edit, name="edit"),
    path("gazette/<id:post_id>/masquer/", views.hide, name="hide"),
    path("gazette/pieces/<id:attachment_id>/<str:size>/", views.attachment_file, name="file"),
]
