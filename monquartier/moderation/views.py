from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from monquartier.moderation import content, services
from monquartier.moderation.forms import ReportForm


def report(request, kind: str, object_id: int):
    target = content.target_for_reporter(request.user, kind, object_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report(request.user, kind, object_id, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Merci : l'équipe MonQuartier examine votre signalement et vous tiendra au courant."
                ),
            )
            return redirect(target.url or "home")
    return render(request, "moderation/report.html", {"form": form, "target": target})
