"""Staff see a message in the admin only once someone reported it (PRODUCT.md: staff
read messages "only when reported"). Conversations and participants — who writes to
whom — are not in the admin at all. Reports are decided in the moderation queue."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from monquartier.audit.admin import AuditedPersonalDataAdmin
from monquartier.messaging.models import Message
from monquartier.moderation.models import Report, ReportKind


@admin.register(Message)
class ReportedMessageAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    audited_member_field = "sender"
    list_display = ["id", "sender", "created_at", "hidden_at"]
    list_select_related = ["sender"]
    readonly_fields = (
        "conversation",
        "sender",
        "text",
        "created_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        reported = Report.objects.filter(kind=ReportKind.MESSAGE, object_id=OuterRef("pk"))
        return super().get_queryset(request).filter(Exists(reported))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
