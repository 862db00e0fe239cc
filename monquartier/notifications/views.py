from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from monquartier.notifications import preferences
from monquartier.notifications.forms import PreferencesForm
from monquartier.notifications.models import DevOutboxMessage


def _check_dev_outbox_access(request) -> None:
    # The demo shows its outbox to anyone; a real deployment only to staff (and its
    # production backends never write to it anyway).
    if not (settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)):
        raise Http404


@login_not_required
def dev_outbox(request):
    _check_dev_outbox_access(request)
    messages_ = DevOutboxMessage.objects.all()
    channel = request.GET.get("canal")
    if channel in ("email", "sms"):
        messages_ = messages_.filter(channel=channel)
    page = Paginator(messages_, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/dev_outbox.html", {"page": page, "channel": channel})


@login_not_required
def dev_outbox_html(request, message_id: int):
    """An e-mail's HTML part, alone and sandboxed: it can neither run scripts nor reach
    this site's cookies."""
    _check_dev_outbox_access(request)
    message = get_object_or_404(DevOutboxMessage, pk=message_id, channel="email")
    response = HttpResponse(message.html or "<p>(pas de version HTML)</p>")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    return response


def notification_settings(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None,
        modes=preferences.all_modes(user),
        initial={"alert_sms": user.alert_sms},
    )
    if request.method == "POST" and form.is_valid():
        try:
            preferences.save_preferences(
                user, form.modes(), alert_sms=form.cleaned_data["alert_sms"]
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
