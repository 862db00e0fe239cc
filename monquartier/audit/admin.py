from django.contrib import admin
from django.http import HttpRequest

from monquartier.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is append-only."""

    list_display = ["created_at", "actor_label", "action", "member", "target"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target", "member__email", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["member"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
