"""The audit log: what staff did, and which member's personal data they looked at.

Append-only. Every staff action goes through `record` (monquartier/audit/log.py); the
admin shows entries and never lets anyone change or delete one. Admin pages that show a
member's personal data use AuditedPersonalDataAdmin, so that each look is recorded.
"""

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from monquartier.audit import log
from monquartier.audit.models import AuditEntry


class AuditedPersonalDataAdmin:
    """A ModelAdmin mixin (put it first) for pages showing a member's personal data.

    Opening an object's page records "member.view"; saving it records "member.change"
    (or "member.create") with the names of the fields changed (never their values);
    deleting it records "member.delete"; a search in the list, "member.search". `audited_member` says whose data an object holds: the object itself
    for an account, else the user at `audited_member_field`.
    """

    audited_member_field: str | None = None

    def audited_member(self, obj: models.Model) -> Any:
        if self.audited_member_field is None:
            return obj
        return getattr(obj, self.audited_member_field, None)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Called for the page shown (GET, or a form sent back with errors): each time a
        # member of staff has the data in front of them.
        if obj is not None and not add:
            log.record(
                request.user,
                "member.view",
                member=self.audited_member(obj),
                target=obj,
                details={"page": obj._meta.label_lower},
            )
        return super().render_change_form(  # type: ignore[misc]  # a mixin of ModelAdmin
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def changelist_view(self, request, extra_context=None):
        # A list shows a page of names, not a person's file: not recorded per member. A
        # search is, with what was searched: looking someone up is a look at them.
        query = request.GET.get("q", "").strip()
        if query:
            log.record(
                request.user,
                "member.search",
                details={"page": self.model._meta.label_lower, "query": query[:100]},  # type: ignore[attr-defined]  # a mixin of ModelAdmin
            )
        return super().changelist_view(request, extra_context)  # type: ignore[misc]  # mixin

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]  # mixin
        changed = list(form.changed_data)
        for formset in formsets:
            prefix = formset.model._meta.model_name
            for inline_form in formset.forms:
                changed.extend(f"{prefix}.{name}" for name in inline_form.changed_data)
        if changed or not change:
            log.record(
                request.user,
                "member.change" if change else "member.create",
                member=self.audited_member(form.instance),
                target=form.instance,
                details={"fields": sorted(set(changed))},
            )

    def delete_model(self, request, obj) -> None:
        log.record(request.user, "member.delete", member=self.audited_member(obj), target=obj)
        super().delete_model(request, obj)  # type: ignore[misc]  # a mixin of ModelAdmin


class ActionFilter(admin.SimpleListFilter):
    """The kinds of action, as the first word of their name (community, member…)."""

    title = _("type d'action")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()[:200]
        return sorted({(action.split(".")[0], action.split(".")[0]) for action in kinds})

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is append-only.

    Searchable by the member concerned (e-mail, name, or "#id") and by who acted
    (e-mail kept in actor_label); ?member=<id> or ?actor=<id> filter on one person.
    """

    list_display = ["created_at", "actor_label", "action", "member", "target", "reason"]
    list_filter = [ActionFilter, ("actor", admin.RelatedOnlyFieldListFilter), "action"]
    search_fields = [
        "actor_label",
        "action",
        "target",
        "reason",
        "member__email",
        "member__first_name",
        "member__last_name",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["member"]
    readonly_fields = [
        "created_at",
        "actor",
        "actor_label",
        "action",
        "member",
        "target",
        "reason",
        "details",
    ]

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup in ("member", "actor"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        if search_term.startswith("#") and search_term[1:].isdigit() and len(search_term) < 20:
            member_id = int(search_term[1:])
            either = models.Q(member_id=member_id) | models.Q(actor_id=member_id)
            return queryset.filter(either), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
