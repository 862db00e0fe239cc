from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from monquartier.communities import access, privacy
from monquartier.moderation import content, exclusions, services
from monquartier.moderation.forms import ExclusionForm, ReportForm


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


def request_exclusion(request, community_id: int, user_id: int):
    """A référent asks staff to exclude a member of their community."""
    community, membership = access.get_community_for_referent(request.user, community_id)
    member, target = access.get_member_of(community, user_id)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exclusions.request_exclusion(request.user, target, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(
                request, _("Votre demande est transmise à l'équipe MonQuartier, qui vous répondra.")
            )
            return redirect("communities:member", community.pk, member.pk)
    member_name = privacy.Viewpoint.of(request.user, membership).name_of(
        member, privacy.Ties.of(target)
    )
    return render(
        request,
        "moderation/exclusion.html",
        {"community": community, "member": member, "member_name": member_name, "form": form},
    )
