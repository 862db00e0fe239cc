from django.contrib import admin

from monquartier.outbox.models import DevOutboxMessage, FCMRegistration, VoiceCall


@admin.register(DevOutboxMessage)
class DevOutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "subject"]
    list_filter = ["channel"]
    search_fields = ["recipient", "subject", "body"]


@admin.register(VoiceCall)
class VoiceCallAdmin(admin.ModelAdmin):
    """The counted calls, read-only: what each cost and what happened."""

    list_display = ["created_at", "outcome", "community", "duration_seconds", "cost", "keys"]
    list_filter = ["outcome"]
    list_select_related = ["community"]
    raw_id_fields = ["delivery", "account", "community"]
    search_fields = ["session_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FCMRegistration)
class FCMRegistrationAdmin(admin.ModelAdmin):
    """The apps that receive pushes, read-only: the member removes them by signing out."""

    list_display = ["created_at", "user", "platform", "last_success_at"]
    list_filter = ["platform"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "device"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
