from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from monquartier.audit import log
from monquartier.audit.admin import AuditedPersonalDataAdmin
from monquartier.communities import services
from monquartier.communities.models import (
    ESCALATION_AFTER,
    Community,
    Membership,
    MembershipStatus,
    Movement,
    Twinning,
)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "commune",
        "created_at",
        "active_members",
        "validation_mode",
        "rural_exemption",
        "public_page",
    ]
    list_filter = ["validation_mode", "rural_exemption", "public_page", "commune__district"]
    search_fields = ["name", "commune__name"]
    # The exemption changes only through its staff operation, checked and audited
    # (staffops): not a box to tick here.
    readonly_fields = [
        "rural_exemption",
        "rural_max_area_m2",
        "area",
        "area_m2",
        "min_latitude",
        "max_latitude",
        "min_longitude",
        "max_longitude",
        "centre_latitude",
        "centre_longitude",
        "created_at",
        "updated_at",
    ]
    fields = [
        "name",
        "commune",
        "validation_mode",
        "public_page",
        "presentation",
        "acknowledgement_minutes",
        *readonly_fields,
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            # In the admin's transaction: the change and its record land together.
            log.record(
                request.user,
                "community.change",
                target=obj,
                details={"fields": sorted(form.changed_data)},
            )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("commune")
            .annotate(
                _active=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
            )
        )

    @admin.display(description=_("membres"), ordering="_active")
    def active_members(self, community):
        return community._active


class WaitingSinceFilter(admin.SimpleListFilter):
    title = _("attente")
    parameter_name = "attente"

    def lookups(self, request, model_admin):
        return [
            ("escalated", _("plus de 15 jours (à traiter par l'équipe)")),
            ("staff", _("communautés validées par l'équipe")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "escalated":
            return queryset.filter(requested_at__lte=timezone.now() - ESCALATION_AFTER)
        if self.value() == "staff":
            return queryset.filter(community__validation_mode="staff")
        return queryset


class PendingRequest(Membership):
    class Meta:
        proxy = True
        verbose_name = _("demande d'adhésion en attente")
        verbose_name_plural = _("demandes d'adhésion en attente")


@admin.register(PendingRequest)
class PendingRequestAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    """The staff queue of join requests: those of staff-validated communities, and those
    nobody answered for 15 days."""

    audited_member_field = "user"

    list_display = ["user", "community", "requested_at", "days_waiting", "validation_mode"]
    list_filter = [WaitingSinceFilter, "community__validation_mode"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "community__name"]
    actions = ["accept_requests", "refuse_requests"]
    list_select_related = ["user", "community"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=MembershipStatus.PENDING)
            .order_by("requested_at")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("jours d'attente"))
    def days_waiting(self, membership):
        return (timezone.now() - membership.requested_at).days

    @admin.display(description=_("validation"))
    def validation_mode(self, membership):
        return membership.community.get_validation_mode_display()

    @admin.action(description=_("Accepter les demandes choisies"))
    def accept_requests(self, request, queryset):
        done = 0
        for membership in queryset:
            try:
                services.accept_join_request(request.user, membership)
                done += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{membership.user}: {' '.join(error.messages)}", messages.WARNING
                )
        self.message_user(
            request,
            ngettext_lazy("%(count)s demande acceptée.", "%(count)s demandes acceptées.", "count")
            % {"count": done},
        )

    @admin.action(description=_("Refuser les demandes choisies (avec un motif)"))
    def refuse_requests(self, request, queryset):
        reason = (request.POST.get("reason") or "").strip()
        if "apply" in request.POST and reason:
            for membership in queryset:
                try:
                    services.refuse_join_request(request.user, membership, reason)
                except ValidationError as error:
                    self.message_user(
                        request, f"{membership.user}: {' '.join(error.messages)}", messages.WARNING
                    )
            self.message_user(request, _("Demandes refusées ; le motif a été transmis."))
            return None
        return render(
            request,
            "admin/communities/refuse_requests.html",
            {
                **self.admin_site.each_context(request),
                "queryset": queryset,
                "opts": self.model._meta,
                "missing_reason": "apply" in request.POST,
            },
        )


@admin.register(Movement)
class MovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "community", "kind", "member", "actor", "other_community"]
    list_filter = ["kind"]
    search_fields = ["community__name"]
    list_select_related = ["community", "member", "actor", "other_community"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Twinning)
class TwinningAdmin(admin.ModelAdmin):
    list_display = ["requester", "partner", "status", "requested_at", "decided_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["requester", "partner"]
