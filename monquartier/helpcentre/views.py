"""The help centre's pages, public: visitors read it before they have an account."""

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from monquartier.helpcentre import search as help_search
from monquartier.helpcentre.models import Question, Topic

# The content changes a few times a year: the reader's browser may keep a page a while.
# Private, since every page carries the visitor's own menu and form token.
PAGE_MAX_AGE = 600


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Votre question"),
        max_length=help_search.QUERY_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": gettext_lazy(
                "Écrivez au plus %(limit_value)d caractères : quelques mots suffisent."
            )
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def published_topics():
    return (
        Topic.objects.annotate(shown=Count("questions", filter=Q(questions__published=True)))
        .filter(shown__gt=0)
        .order_by("order", "id")
    )


def _cached(response):
    patch_cache_control(response, private=True, max_age=PAGE_MAX_AGE)
    return response


@login_not_required
@require_GET
def index(request):
    context = {"topics": published_topics(), "form": SearchForm()}
    return _cached(render(request, "helpcentre/index.html", context))


@login_not_required
@require_GET
def topic(request, topic_slug: str):
    chosen = get_object_or_404(published_topics(), slug=topic_slug)
    questions = Question.objects.published().filter(topic=chosen).order_by("order", "id")
    context = {"topic": chosen, "questions": questions, "form": SearchForm()}
    return _cached(render(request, "helpcentre/topic.html", context))


@login_not_required
@require_GET
def question(request, topic_slug: str, question_slug: str):
    chosen = get_object_or_404(
        Question.objects.published().select_related("topic"),
        topic__slug=topic_slug,
        slug=question_slug,
    )
    others = (
        Question.objects.published()
        .filter(topic=chosen.topic_id)
        .exclude(pk=chosen.pk)
        .order_by("order", "id")
        .only("slug", "question", "question_en")
    )
    context = {"question": chosen, "topic": chosen.topic, "others": others, "form": SearchForm()}
    return _cached(render(request, "helpcentre/question.html", context))


@login_not_required
@require_GET
def search(request):
    form = SearchForm(request.GET)
    results: list[help_search.Result] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        results = help_search.search(query)
    context = {"form": form, "query": query, "results": results, "topics": published_topics()}
    response = render(
        request, "helpcentre/search.html", context, status=400 if form.errors else 200
    )
    patch_cache_control(response, private=True, max_age=60)
    return response
