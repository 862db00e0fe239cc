from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from monquartier.helpcentre.models import Question, Topic


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "question", "slug", "published"]
    show_change_link = True
    extra = 0


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "question_count"]
    list_editable = ["order"]
    search_fields = ["title", "title_en"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_total")
    def question_count(self, topic) -> int:
        return topic.question_total


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "topic", "order", "published", "updated_at"]
    list_filter = ["published", "topic"]
    list_editable = ["order", "published"]
    list_select_related = ["topic"]
    search_fields = ["question", "question_en", "answer", "answer_en"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["topic", "slug", "order", "published", "updated_at"]}),
        (_("En français"), {"fields": ["question", "answer"]}),
        (_("En anglais"), {"fields": ["question_en", "answer_en"]}),
    ]
