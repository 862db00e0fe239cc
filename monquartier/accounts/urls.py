from allauth.account import views as allauth_views
from django.urls import path

from monquartier.accounts import views
from monquartier.accounts.reauthentication import recent_password_required

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
    path("parametres/mes-donnees/", views.my_data, name="my_data"),
    path("parametres/acces-de-l-equipe/", views.staff_access, name="staff_access"),
    path("parametres/appareils/", views.devices, name="devices"),
    path(
        "parametres/appareils/<id:token_id>/deconnecter/",
        views.revoke_device,
        name="revoke_device",
    ),
    path("parametres/e-mail-a-confirmer/", views.waiting_email, name="waiting_email"),
    path(
        "parametres/e-mail-a-confirmer/corriger/",
        views.correct_waiting_email,
        name="correct_waiting_email",
    ),
]

# allauth's pages that change what identifies the account, behind the same check as
# ours; included under compte/ before allauth's own URLs. (The password change asks
# for the old password itself.)
reauthenticated_allauth_urls = [
    path("email/", recent_password_required(allauth_views.email), name="account_email"),
    path(
        "password/set/",
        recent_password_required(allauth_views.password_set),
        name="account_set_password",
    ),
    path(
        "phone/change/",
        recent_password_required(allauth_views.change_phone),
        name="account_change_phone",
    ),
]
