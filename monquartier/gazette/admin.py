from django.contrib import admin

from monquartier.gazette.models import Attachment, Post


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ("kind", "original_name", "size")
    fields = readonly_fields
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "author",
        "category",
        "created_at",
        "edited_at",
        "hidden_at",
    ]
    list_filter = ["category", "hidden_at"]
    search_fields = ["title", "text", "community__name"]
    list_select_related = ["community", "author"]
    readonly_fields = ["community", "author", "created_at", "edited_at", "hidden_at", "hidden_by"]
    inlines = [AttachmentInline]
