from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monquartier.communities import services
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus


@admin.register(ExclusionRequest)
class ExclusionRequestAdmin(admin.ModelAdmin):
    """The staff queue of exclusion requests sent by référents."""

    list_display = ["member", "community", "requested_by", "created_at", "status", "decided_by"]
    list_filter = ["status"]
    search_fields = ["member__first_name", "member__last_name", "community__name"]
    list_select_related = ["member", "community", "requested_by", "decided_by"]
    readonly_fields = [
        "community",
        "member",
        "requested_by",
        "reason",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    fields = [*readonly_fields, "staff_note"]
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, service, done_message):
        decided = 0
        for exclusion in queryset.filter(status=ExclusionStatus.PENDING):
            try:
                service(request.user, exclusion)
                decided += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{exclusion}: {' '.join(error.messages)}", messages.WARNING
                )
        self.message_user(request, done_message % {"count": decided})

    @admin.action(description=_("Accepter : retirer le membre de la communauté"))
    def accept(self, request, queryset):
        self._decide(
            request, queryset, services.accept_exclusion, _("%(count)s exclusion(s) prononcée(s).")
        )

    @admin.action(description=_("Rejeter la demande"))
    def reject(self, request, queryset):
        self._decide(
            request, queryset, services.reject_exclusion, _("%(count)s demande(s) rejetée(s).")
        )
