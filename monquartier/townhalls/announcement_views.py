"""The console's announcements: the list with their reach, and the two steps of sending
one (the form, then a preview of who receives it and what it costs, then confirm)."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy, ngettext

from monquartier.communities.models import Community
from monquartier.outbox.models import Channel
from monquartier.townhalls import announcements
from monquartier.townhalls.access import (
    AgentRequest,
    agent_required,
    announcements_of,
    communities_of,
)
from monquartier.townhalls.forms import CommunityNamesField, is_large
from monquartier.townhalls.models import AnnouncementCategory

ANNOUNCEMENTS_PER_PAGE = 20
ANNOUNCEMENT, URGENT = "announcement", "urgent"
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AnnouncementForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type de message"),
        choices=[
            (ANNOUNCEMENT, gettext_lazy("Annonce (notification et e-mail)")),
            (URGENT, gettext_lazy("Alerte urgente (notification, e-mail et SMS)")),
        ],
        initial=ANNOUNCEMENT,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Catégorie"), choices=AnnouncementCategory.choices
    )
    text = forms.CharField(
        label=gettext_lazy("Texte"),
        max_length=announcements.TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    place = forms.CharField(
        label=gettext_lazy("Lieu (facultatif)"),
        max_length=announcements.PLACE_MAX_LENGTH,
        required=False,
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("À partir du (facultatif)"), required=False, widget=_DATETIME
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Jusqu'au (facultatif)"), required=False, widget=_DATETIME
    )
    everywhere = forms.TypedChoiceField(
        label=gettext_lazy("Destinataires"),
        choices=[
            ("True", gettext_lazy("Toute la commune")),
            ("False", gettext_lazy("Des communautés choisies")),
        ],
        coerce=lambda value: value == "True",
        empty_value=None,
        initial="False",
        required=False,
        widget=forms.RadioSelect,
    )
    # A commune of up to LIST_UP_TO communities: a box for each.
    communities = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Communautés choisies"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # A larger one: their names, typed or written by a tap on the map.
    names = CommunityNamesField(
        label=gettext_lazy("Noms des communautés"),
        help_text=gettext_lazy(
            "Leurs noms, un par ligne ou séparés par des virgules ; une partie du nom suffit "
            "quand une seule communauté le porte."
        ),
    )

    def __init__(self, *args, communities: QuerySet[Community], **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_communities = communities
        self.large, listed = is_large(communities)
        self.has_communities = self.large or bool(listed)
        if self.large:
            del self.fields["communities"]
            cast(CommunityNamesField, self.fields["names"]).set_communities(communities)
        else:
            del self.fields["names"]
            cast(forms.TypedMultipleChoiceField, self.fields["communities"]).choices = listed
        self._ids: list[int] | None = None

    @property
    def chooser(self) -> str:
        """The field where the chosen communities are: the service's errors about them go
        there."""
        return "names" if self.large else "communities"

    def community_ids(self) -> list[int]:
        if self._ids is None:
            data = self.cleaned_data
            if data.get("everywhere"):
                self._ids = list(self.commune_communities.values_list("pk", flat=True))
            elif self.large:
                self._ids = [community.pk for community in data.get("names") or []]
            else:
                self._ids = data.get("communities") or []
        return self._ids

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "urgent": data["kind"] == URGENT,
            "category": data["category"],
            "text": data["text"],
            "place": data.get("place", ""),
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
            "community_ids": self.community_ids(),
        }


def _add_errors(form: AnnouncementForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if field == "communities":
                field = form.chooser
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@agent_required
def announcement_list(request: AgentRequest):
    """Newest first, with the rows each one queued per channel: counted for the page's
    announcements only, in one grouped query on the outbox's unique key."""
    town_hall = request.town_hall
    rows = (
        announcements_of(town_hall)
        .select_related("sent_by")
        .prefetch_related(
            Prefetch("communities", queryset=Community.objects.only("id", "name").order_by("name"))
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, ANNOUNCEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    reach = announcements.queued_by_channel([announcement.pk for announcement in page])
    items = [
        (
            announcement,
            reach.get((announcement.pk, Channel.PUSH), 0),
            reach.get((announcement.pk, Channel.EMAIL), 0),
        )
        for announcement in page
    ]
    return render(
        request,
        "townhalls/announce_list.html",
        {
            "town_hall": town_hall,
            "page": page,
            "items": items,
            "commune_community_count": communities_of(town_hall).count(),
            "sms_remaining": announcements.sms_remaining(town_hall),
        },
    )


@agent_required
def new_announcement(request: AgentRequest):
    """GET: the form. POST: the preview (with its counts), or, with "confirm", the send.
    Any refusal brings the form back with its message, and sends nothing."""
    town_hall = request.town_hall
    form = AnnouncementForm(request.POST or None, communities=communities_of(town_hall))
    # The map's areas come from townhalls:console_map (cached by the browser): a tap ticks
    # a community's box, or writes its name (static/js/announce-map.js).
    context = {"town_hall": town_hall, "form": form}
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        try:
            if "confirm" in request.POST:
                announcements.send_announcement(
                    request.agent.user, town_hall, **form.service_fields()
                )
            else:
                draft = announcements.prepare(
                    request.agent.user, town_hall, **form.service_fields()
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if "confirm" in request.POST:
                count = len(form.service_fields()["community_ids"])
                messages.success(
                    request,
                    ngettext(
                        "Message envoyé à %(count)s communauté.",
                        "Message envoyé à %(count)s communautés.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("townhalls:announcements")
            return render(
                request,
                "townhalls/announce_preview.html",
                {
                    **context,
                    "draft": draft,
                    "category": AnnouncementCategory(draft.category).label,
                    "everywhere": form.cleaned_data.get("everywhere"),
                },
            )
    status = 400 if form.errors else 200
    return render(request, "townhalls/announce_form.html", context, status=status)
