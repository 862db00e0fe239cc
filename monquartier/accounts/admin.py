from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.models import Home, Profile, User
from monquartier.audit.admin import AuditedPersonalDataAdmin


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    exclude = ["photo", "photo_thumbnail"]


class HomeInline(admin.StackedInline):
    model = Home
    can_delete = False


@admin.register(User)
class UserAdmin(AuditedPersonalDataAdmin, BaseUserAdmin):
    """Each staff look at an account, and each change, goes to the audit log."""

    ordering = ["last_name", "first_name"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "mobile",
        "mobile_verified",
        "is_staff",
        "closed_at",
    ]
    list_filter = ["is_staff", "is_active", "mobile_verified", "closed_at", "suspended_at"]
    search_fields = ["email", "first_name", "last_name", "pseudonym", "mobile"]
    # A suspension is made and undone from its support ticket only (audited there).
    readonly_fields = ["date_joined", "last_login", "closed_at", "suspended_at"]
    inlines = [ProfileInline, HomeInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name", "pseudonym", "language"]}),
        (
            _("Téléphones"),
            {"fields": ["mobile", "mobile_verified", "landline", "hide_mobile", "hide_landline"]},
        ),
        (
            _("Droits"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["date_joined", "last_login", "closed_at", "suspended_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "password1", "password2"],
            },
        ),
    ]
