from django.contrib import admin

from monquartier.invitations.models import Invitation, InvitedSignup


class InvitedSignupInline(admin.TabularInline):
    model = InvitedSignup
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]
    extra = 0
    can_delete = False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read only: an invitation is a record of what a member sent (and what it cost)."""

    list_display = ["code", "channel", "community", "inviter", "created_at"]
    list_filter = ["channel"]
    search_fields = ["code", "community__name"]
    list_select_related = ["community", "inviter"]
    readonly_fields = [
        "inviter",
        "community",
        "channel",
        "address",
        "code",
        "personal_note",
        "created_at",
    ]
    inlines = [InvitedSignupInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
