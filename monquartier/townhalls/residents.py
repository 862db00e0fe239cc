"""For members: the "Mairie partenaire" page, and the commune's presentation.

The page explains what a partner town hall does. Where the member's commune (their
home's) has one, it names it and lists its announcements to the member's community;
where it has none, the member downloads the presentation made for their commune and may
send it to the town hall. Agents have their console instead: this page is not theirs.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from monquartier.accounts.models import Home
from monquartier.communities.models import Membership
from monquartier.core.protected_media import serve_protected_file
from monquartier.places.models import Commune
from monquartier.townhalls import presentation as presentations
from monquartier.townhalls.models import Announcement, TownHall

ANNOUNCEMENTS_SHOWN = 20
# The presentation holds aggregated numbers that change slowly: kept an hour, by us and
# by whoever fetches it, so that a public URL costs one build an hour at most.
PRESENTATION_MAX_AGE = 3600


class PresentationForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("Adresse e-mail de la mairie"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    message = forms.CharField(
        label=gettext_lazy("Votre message (facultatif)"),
        required=False,
        max_length=presentations.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Il accompagne le lien vers la présentation."),
    )


def partner_page(request):
    if request.user.is_town_hall_agent:
        raise Http404
    home = Home.objects.filter(user=request.user).select_related("commune").first()
    commune = home.commune if home else None
    town_hall = TownHall.objects.partners().filter(commune=commune).first() if commune else None
    form = PresentationForm(request.POST or None) if commune and not town_hall else None
    if request.method == "POST":
        if form is None or commune is None:
            return redirect("townhalls:partner_page")
        if form.is_valid():
            try:
                presentations.send_presentation(
                    request.user, commune, form.cleaned_data["to"], form.cleaned_data["message"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("La présentation est envoyée à %(email)s. Merci !")
                    % {"email": form.cleaned_data["to"]},
                )
                return redirect("townhalls:partner_page")
    announcements: list[Announcement] = []
    if town_hall is not None:
        community_id = Membership.objects.active_community_id(request.user)
        if community_id is not None:
            announcements = list(
                Announcement.objects.filter(town_hall=town_hall, communities=community_id).order_by(
                    "-created_at", "-id"
                )[:ANNOUNCEMENTS_SHOWN]
            )
    context = {
        "commune": commune,
        "town_hall": town_hall,
        "announcements": announcements,
        "form": form,
        "presentation_name": presentations.filename(commune) if commune else "",
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "townhalls/partner_page.html", context, status=status)


@login_not_required
@require_GET
def presentation(request, slug: str):
    """Public: the link in the e-mail reaches a town hall with no account."""
    commune = get_object_or_404(Commune, slug=slug)
    key = f"townhalls:presentation:{commune.pk}:{get_language()}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = presentations.render_pdf(presentations.commune_figures(commune))
        cache.set(key, pdf, PRESENTATION_MAX_AGE)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{presentations.filename(commune)}"'
    patch_cache_control(response, public=True, max_age=PRESENTATION_MAX_AGE)
    return response


def coat_of_arms(request, town_hall_id: int):
    town_hall = get_object_or_404(TownHall, pk=town_hall_id)
    return serve_protected_file(town_hall.coat_of_arms.name or None, max_age=24 * 3600)
