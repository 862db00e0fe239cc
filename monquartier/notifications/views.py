from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from monquartier.notifications import preferences
from monquartier.notifications.forms import PreferencesForm


def notification_settings(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None,
        modes=preferences.all_modes(user),
        initial={"alert_sms": user.alert_sms, "alert_voice": user.alert_voice},
    )
    if request.method == "POST" and form.is_valid():
        try:
            preferences.save_preferences(
                user,
                form.modes(),
                alert_sms=form.cleaned_data["alert_sms"],
                alert_voice=form.cleaned_data["alert_voice"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, _("Vos choix de notification sont enregistrés."))
            return redirect("notification_settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "has_push": preferences.has_push(user)},
    )
