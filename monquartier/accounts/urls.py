from django.urls import path

from monquartier.accounts import views

app_name = "accounts"

urlpatterns = [
    path("parametres/", views.settings_index, name="settings"),
    path("parametres/identite/", views.edit_identity, name="identity"),
    path("parametres/telephones/", views.edit_phones, name="phones"),
    path("parametres/profil/", views.edit_profile, name="profile"),
    path("parametres/profil/photo/", views.upload_photo, name="upload_photo"),
    path("parametres/profil/photo/supprimer/", views.delete_photo, name="delete_photo"),
    path("parametres/adresse/", views.edit_home, name="home"),
    path("parametres/fermer-mon-compte/", views.close_account, name="close"),
    path("membres/<id:user_id>/photo/<str:size>/", views.member_photo, name="photo"),
]
