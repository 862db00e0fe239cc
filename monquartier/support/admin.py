from django.contrib import admin
from django.http import HttpRequest
from django.shortcuts import redirect

from monquartier.support.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """The admin's entry to the desk: tickets are read and handled on the desk's own
    pages (support/staff_views.py), where every action goes through a service and the
    audit log."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def changelist_view(self, request, extra_context=None):
        return redirect("support:staff_queue")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("support:staff_ticket", int(object_id) if object_id.isdigit() else 0)
