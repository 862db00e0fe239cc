from django.contrib import admin
from django.http import HttpRequest

from monquartier.ussd.models import CallbackRequest


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    """Read only: what the USSD menu recorded (the référents were told by notification)."""

    list_display = ["created_at", "phone", "community"]
    list_select_related = ["community"]
    search_fields = ["phone", "community__name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
