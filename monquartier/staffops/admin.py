"""The communities' admin, with the staff operations: "Réunir" on the list, and on each
community's page the links to redraw its area and to change its rural exemption.

Registered over communities' own CommunityAdmin (this app comes later in
INSTALLED_APPS, so its admin module is read after that one)."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from monquartier.communities.admin import CommunityAdmin
from monquartier.communities.models import Community
from monquartier.staffops import services

admin.site.unregister(Community)


@admin.register(Community)
class CommunityOperationsAdmin(CommunityAdmin):
    actions = ["merge_communities"]
    readonly_fields = ["operations", *CommunityAdmin.readonly_fields]
    fields = ["operations", *CommunityAdmin.fields]

    @admin.display(description=_("opérations de l'équipe"))
    def operations(self, community: Community) -> str:
        if community.pk is None:
            return "—"
        links = [
            (reverse("staffops:area", args=[community.pk]), _("Modifier le périmètre")),
            (
                reverse("staffops:rural_exemption", args=[community.pk]),
                _("Dérogation rurale"),
            ),
        ]
        return format_html(
            "{} · {}",
            format_html_join(" · ", '<a href="{}">{}</a>', links),
            _("Réunir : cochez les communautés dans la liste, action « Réunir »."),
        )

    @admin.action(description=_("Réunir les communautés choisies (aperçu d'abord)"))
    def merge_communities(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[: services.MAX_MERGED + 1])
        query = urlencode([("c", pk) for pk in ids])
        return HttpResponseRedirect(f"{reverse('staffops:merge')}?{query}")
