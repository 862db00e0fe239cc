"""The team's newsletter desk, in the admin: write a draft, preview it (HTML and text, as
a member gets it), send a test to one's own address, then send it to its audience."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from monquartier.accounts.requests import AuthenticatedRequest
from monquartier.audit import log
from monquartier.core.parsing import parse_id
from monquartier.newsletters import services
from monquartier.newsletters.audience import recipients
from monquartier.newsletters.models import Newsletter
from monquartier.newsletters.outbox import newsletter_email
from monquartier.outbox.models import DeliveryStatus

# What an edit changes: a test sent before it no longer shows the letter.
_CONTENT_FIELDS = {"title", "text", "audience", "commune"}


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "audience",
        "commune",
        "created_at",
        "test_sent_at",
        "sent_at",
        "recipient_count",
    ]
    list_filter = ["audience"]
    search_fields = ["title"]
    list_select_related = ["commune"]
    fields = ["title", "text", "audience", "commune"]
    change_form_template = "admin/newsletters/newsletter/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_sent:
            return [*self.fields, "sent_at", "sent_by", "recipient_count"]
        return []

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_sent:
            return [*self.fields, "sent_at", "sent_by", "recipient_count"]
        return self.fields

    def has_delete_permission(self, request, obj=None):
        # A sent letter stays: its deliveries and the audit log point at it.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_sent)

    def save_model(self, request, obj, form, change):
        if obj.pk is not None and obj.is_sent:
            raise Http404  # read-only once sent; the form cannot reach here otherwise
        if obj.pk is None:
            obj.created_by = request.user
        if change and _CONTENT_FIELDS & set(form.changed_data):
            obj.test_sent_at = None
        super().save_model(request, obj, form, change)
        # The admin saves inside its own transaction: the entry lands with the draft.
        log.record(
            request.user,
            "newsletter.edit" if change else "newsletter.create",
            target=obj,
            details={"title": obj.title, "changed": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        log.record(request.user, "newsletter.delete", target=obj, details={"title": obj.title})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for newsletter in queryset.drafts():
            log.record(
                request.user,
                "newsletter.delete",
                target=newsletter,
                details={"title": newsletter.title},
            )
        # A sent letter stays, whatever the selection.
        super().delete_queryset(request, queryset.drafts())

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:pk>/apercu/", view(self.preview), name="newsletters_newsletter_preview"),
            path(
                "<path:pk>/apercu/html/",
                view(self.preview_html),
                name="newsletters_newsletter_preview_html",
            ),
            path("<path:pk>/essai/", view(self.test_send), name="newsletters_newsletter_test"),
            path("<path:pk>/envoyer/", view(self.send), name="newsletters_newsletter_send"),
            *super().get_urls(),
        ]

    def _newsletter(self, request: AuthenticatedRequest, pk: str) -> Newsletter:
        # A path like the admin's own change pages (<path:object_id>): read as an id here.
        newsletter_id = parse_id(pk)
        if newsletter_id is None:
            raise Http404
        newsletter = get_object_or_404(
            Newsletter.objects.select_related("commune"), pk=newsletter_id
        )
        if not self.has_view_permission(request, newsletter):
            raise Http404
        return newsletter

    def _rendered(self, request: AuthenticatedRequest, newsletter: Newsletter):
        user = request.user
        return newsletter_email(newsletter, user, to=user.email or "", message="<preview@local>")

    def preview(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        newsletter = self._newsletter(request, pk)
        email = self._rendered(request, newsletter)
        text, _html = email.body()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": newsletter,
            "title": _("Aperçu : %(title)s") % {"title": newsletter.title},
            "email": email,
            "text": text,
            "headers": email.header_values(),
            "recipient_count": recipients(newsletter).count(),
            "can_send": self.has_change_permission(request, newsletter),
        }
        return TemplateResponse(request, "admin/newsletters/newsletter/preview.html", context)

    def preview_html(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        """The HTML part alone, sandboxed like the development outbox's."""
        newsletter = self._newsletter(request, pk)
        _text, html = self._rendered(request, newsletter).body()
        response = HttpResponse(html)
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
        return response

    def _back_to_preview(self, pk: int) -> HttpResponse:
        return redirect(reverse("admin:newsletters_newsletter_preview", args=[pk]))

    def test_send(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        return require_POST(self._test_send)(request, pk)

    def _test_send(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        newsletter = self._newsletter(request, pk)
        if not self.has_change_permission(request, newsletter):
            raise Http404
        try:
            services.send_test(request.user, newsletter)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Essai envoyé à %(email)s : relisez-le avant d'envoyer la lettre.")
                % {"email": request.user.email},
            )
        return self._back_to_preview(newsletter.pk)

    def send(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        return require_POST(self._send)(request, pk)

    def _send(self, request: AuthenticatedRequest, pk: str) -> HttpResponse:
        newsletter = self._newsletter(request, pk)
        if not self.has_change_permission(request, newsletter):
            raise Http404
        if request.POST.get("confirm") != "yes":
            self.message_user(request, _("Cochez la case de confirmation."), messages.ERROR)
            return self._back_to_preview(newsletter.pk)
        try:
            sent = services.send_newsletter(request.user, newsletter.pk)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return self._back_to_preview(newsletter.pk)
        self.message_user(
            request,
            ngettext(
                "La lettre part vers %(count)s destinataire.",
                "La lettre part vers %(count)s destinataires.",
                sent.recipient_count,
            )
            % {"count": sent.recipient_count},
        )
        return redirect(reverse("admin:newsletters_newsletter_change", args=[newsletter.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        newsletter = Newsletter.objects.filter(pk=object_id).first()
        if newsletter is not None and newsletter.is_sent:
            extra_context["delivery_counts"] = {
                label: newsletter.deliveries.filter(status=status).count()
                for status, label in DeliveryStatus.choices
                if status in (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.FAILED)
            }
        return super().change_view(request, object_id, form_url, extra_context)
