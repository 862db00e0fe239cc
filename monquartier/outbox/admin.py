from django.contrib import admin

from monquartier.outbox.models import DevOutboxMessage


@admin.register(DevOutboxMessage)
class DevOutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "subject"]
    list_filter = ["channel"]
    search_fields = ["recipient", "subject", "body"]
