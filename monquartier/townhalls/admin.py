from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monquartier.audit import log as audit_log
from monquartier.townhalls import agents
from monquartier.townhalls.models import (
    Agent,
    AgentInvitation,
    Announcement,
    PoliceContact,
    SignageOrder,
    TownHall,
    TownHallContact,
)


@admin.register(TownHallContact)
class TownHallContactAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "role", "email", "mobile", "active"]
    list_filter = ["active", "commune"]
    search_fields = ["name", "email", "role"]


class AgentInline(admin.TabularInline):
    model = Agent
    fields = ["user", "can_manage_agents", "receives_alert_sms", "created_at"]
    readonly_fields = ["user", "created_at"]
    extra = 0
    can_delete = False


@admin.register(TownHall)
class TownHallAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "starts_on", "ends_on", "validation", "sms_quota_per_month"]
    list_filter = ["validation"]
    search_fields = ["name", "commune__name"]
    autocomplete_fields = ["commune"]
    inlines = [AgentInline]

    # The partnership is a subscription: its start, its changes (quota, validation,
    # dates) and its end are staff actions, in the audit log with the fields changed.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changed = sorted(form.changed_data)
        if not change:
            action = "townhall.create"
        elif "ends_on" in changed and obj.ends_on is not None:
            action = "townhall.end"
        else:
            action = "townhall.change"
        if changed or not change:
            audit_log.record(
                request.user,
                action,
                target=obj,
                details={
                    "fields": changed,
                    "commune": obj.commune_id,
                    "starts_on": obj.starts_on.isoformat() if obj.starts_on else None,
                    "ends_on": obj.ends_on.isoformat() if obj.ends_on else None,
                    "sms_quota_per_month": obj.sms_quota_per_month,
                },
            )

    def delete_model(self, request, obj) -> None:
        audit_log.record(
            request.user, "townhall.delete", target=obj, details={"commune": obj.commune_id}
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for town_hall in queryset:
            audit_log.record(
                request.user,
                "townhall.delete",
                target=town_hall,
                details={"commune": town_hall.commune_id},
            )
        super().delete_queryset(request, queryset)


@admin.register(AgentInvitation)
class AgentInvitationAdmin(admin.ModelAdmin):
    """Staff invite a town hall's agents here: saving sends the e-mail with its link."""

    list_display = [
        "email",
        "town_hall",
        "can_manage_agents",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["town_hall"]
    fields = ["town_hall", "email", "can_manage_agents"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            invitation = agents.invite_agent(
                request.user, obj.town_hall, obj.email, can_manage_agents=obj.can_manage_agents
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        obj.pk = invitation.pk
        self.message_user(request, _("Invitation envoyée."), messages.SUCCESS)

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_post_save_add(request, obj)


@admin.register(PoliceContact)
class PoliceContactAdmin(admin.ModelAdmin):
    list_display = ["station", "town_hall", "email", "mobile", "active"]
    list_filter = ["town_hall", "active"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["town_hall", "category", "urgent", "created_at", "sms_count"]
    list_filter = ["town_hall", "urgent", "category"]
    readonly_fields = ["created_at", "fanned_out_at", "sms_count"]


@admin.register(SignageOrder)
class SignageOrderAdmin(admin.ModelAdmin):
    list_display = ["town_hall", "signs", "stickers", "status", "created_at"]
    list_filter = ["status"]
