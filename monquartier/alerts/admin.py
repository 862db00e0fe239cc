"""Staff's admin for the safeguards: the word lists (every change audited) and the alerts
held for a decision (the same decisions as the référents' page, alerts/holds.py)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from monquartier.alerts import holds, safeguards
from monquartier.alerts.models import AlertStatus, HeldAlert, SafeguardTerm
from monquartier.audit import log as audit_log


class SafeguardTermForm(forms.ModelForm):
    class Meta:
        model = SafeguardTerm
        fields = ["rule", "phrase", "note", "active"]

    def clean_phrase(self):
        phrase = " ".join(self.cleaned_data["phrase"].split())
        # A single letter or a lone number would stop countless ordinary alerts.
        if sum(len(word) for word in safeguards.words(phrase)) < 3:
            raise forms.ValidationError(
                _("Écrivez un mot ou une expression d'au moins trois lettres.")
            )
        return phrase


@admin.register(SafeguardTerm)
class SafeguardTermAdmin(admin.ModelAdmin):
    form = SafeguardTermForm
    list_display = ["phrase", "rule", "active", "note", "updated_at"]
    list_filter = ["rule", "active"]
    search_fields = ["phrase", "note"]
    fields = ["rule", "phrase", "note", "active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log.record(
            request.user,
            "safeguard_term.change" if change else "safeguard_term.create",
            target=obj,
            details={"rule": obj.rule, "phrase": obj.phrase, "active": obj.active,
                     "fields": list(form.changed_data)},
        )  # fmt: skip

    def delete_model(self, request, obj):
        audit_log.record(
            request.user, "safeguard_term.delete", target=obj,
            details={"rule": obj.rule, "phrase": obj.phrase},
        )  # fmt: skip
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for term in queryset:
            self.delete_model(request, term)


@admin.register(HeldAlert)
class HeldAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "community", "category", "text", "held_rules", "status"]
    list_filter = ["status"]
    list_select_related = ["community", "sender"]
    readonly_fields = (
        "community",
        "category",
        "text",
        "source",
        "created_at",
        "held_rules",
        "held_words",
        "status",
        "decided_at",
        "decided_by",
        "decision_reason",
    )
    fields = readonly_fields
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(held_rules="")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, decide, done):
        count = 0
        for alert in queryset.filter(status=AlertStatus.HELD):
            try:
                decide(request.user, alert)
                count += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{alert}: {error}", messages.WARNING)
        self.message_user(request, done % {"count": count})

    @admin.action(description=_("Envoyer les alertes retenues choisies"))
    def approve(self, request, queryset):
        self._decide(
            request, queryset, holds.approve,
            ngettext_lazy("%(count)s alerte envoyée.", "%(count)s alertes envoyées.", "count"),
        )  # fmt: skip

    @admin.action(description=_("Refuser les alertes retenues choisies"))
    def reject(self, request, queryset):
        self._decide(
            request, queryset, holds.reject,
            ngettext_lazy("%(count)s alerte refusée.", "%(count)s alertes refusées.", "count"),
        )  # fmt: skip
