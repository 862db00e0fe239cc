from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from monquartier.audit.admin import AuditedPersonalDataAdmin
from monquartier.moderation import exclusions
from monquartier.moderation import services as moderation_services
from monquartier.moderation.models import ExclusionRequest, ExclusionStatus, Report, ReportStatus


@admin.register(ExclusionRequest)
class ExclusionRequestAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    """The staff queue of exclusion requests sent by référents."""

    audited_member_field = "member"

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
            request,
            queryset,
            exclusions.accept_exclusion,
            ngettext_lazy(
                "%(count)s exclusion prononcée.", "%(count)s exclusions prononcées.", "count"
            ),
        )

    @admin.action(description=_("Rejeter la demande"))
    def reject(self, request, queryset):
        self._decide(
            request,
            queryset,
            exclusions.reject_exclusion,
            ngettext_lazy("%(count)s demande rejetée.", "%(count)s demandes rejetées.", "count"),
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The moderation queue: decide a report, and every open report of the same item
    is decided with it; the reporters are told the outcome."""

    list_display = [
        "created_at",
        "kind",
        "object_id",
        "reason",
        "excerpt",
        "author",
        "community",
        "reporter",
        "status",
    ]
    list_filter = ["status", "kind", "reason"]
    search_fields = ["excerpt", "details", "author__last_name", "community__name"]
    list_select_related = ["author", "community", "reporter"]
    readonly_fields = [
        "reporter",
        "kind",
        "object_id",
        "author",
        "community",
        "reason",
        "details",
        "excerpt",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    fields = [*readonly_fields, "staff_note"]
    actions = ["hide_item", "dismiss_reports", "ask_exclusion"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, decision, done):
        count = 0
        for report in queryset.filter(status=ReportStatus.OPEN):
            try:
                decision(request.user, report)
                count += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{report}: {' '.join(error.messages)}", messages.WARNING
                )
        self.message_user(request, done % {"count": count})

    @admin.action(description=_("Masquer le contenu signalé"))
    def hide_item(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation_services.hide_reported_item,
            ngettext_lazy("%(count)s contenu masqué.", "%(count)s contenus masqués.", "count"),
        )

    @admin.action(description=_("Classer sans suite"))
    def dismiss_reports(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation_services.dismiss,
            ngettext_lazy(
                "%(count)s signalement classé sans suite.",
                "%(count)s signalements classés sans suite.",
                "count",
            ),
        )

    @admin.action(description=_("Demander l'exclusion de l'auteur"))
    def ask_exclusion(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation_services.request_author_exclusion,
            ngettext_lazy(
                "%(count)s demande d'exclusion ouverte (voir « Demandes d'exclusion »).",
                "%(count)s demandes d'exclusion ouvertes (voir « Demandes d'exclusion »).",
                "count",
            ),
        )
