"""The help centre: topics, and the questions with their answers, in French and English.

Each text has its French field and an `_en` field beside it (docs/decisions.md, "Help
centre content"): staff edit both in the admin, English readers get the English one, or
the French one while it is empty. Answers are plain text in a tiny markup
(`helpcentre.markup`), rendered and escaped by us.
"""

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

QUESTION_MAX_LENGTH = 200
ANSWER_MAX_LENGTH = 4000


# /aide/recherche/ is the search page: no topic may take its address.
RESERVED_TOPIC_SLUGS = {"recherche"}


def validate_topic_slug(slug: str) -> None:
    if slug in RESERVED_TOPIC_SLUGS:
        raise ValidationError(_("Cette adresse est réservée : choisissez-en une autre."))


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


class Topic(models.Model):
    title = models.CharField(_("titre"), max_length=80)
    title_en = models.CharField(_("titre en anglais"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    description_en = models.CharField(_("description en anglais"), max_length=200, blank=True)
    slug = models.SlugField(
        _("adresse"), max_length=60, unique=True, validators=[validate_topic_slug]
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    icon = models.CharField(
        _("icône"),
        max_length=4,
        blank=True,
        help_text=_("Un emoji montré devant le titre (facultatif)."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("thème d'aide")
        verbose_name_plural = _("thèmes d'aide")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("help:topic", args=[self.slug])

    @property
    def shown_title(self) -> str:
        return self.title_en if _in_english() and self.title_en else self.title

    @property
    def shown_description(self) -> str:
        if _in_english() and self.description_en:
            return self.description_en
        return self.description


class QuestionQuerySet(models.QuerySet["Question"]):
    def published(self) -> "QuestionQuerySet":
        return self.filter(published=True)


class Question(models.Model):
    topic = models.ForeignKey(
        Topic, verbose_name=_("thème"), on_delete=models.PROTECT, related_name="questions"
    )
    question = models.CharField(_("question"), max_length=QUESTION_MAX_LENGTH)
    question_en = models.CharField(
        _("question en anglais"), max_length=QUESTION_MAX_LENGTH, blank=True
    )
    answer = models.TextField(
        _("réponse"),
        max_length=ANSWER_MAX_LENGTH,
        help_text=_(
            "Texte simple. Une ligne vide sépare les paragraphes ; une ligne qui commence "
            "par « - » fait une liste, par « 1. » une liste numérotée ; "
            "[texte](/aide/…) fait un lien vers une page du site."
        ),
    )
    answer_en = models.TextField(_("réponse en anglais"), max_length=ANSWER_MAX_LENGTH, blank=True)
    slug = models.SlugField(_("adresse"), max_length=80)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    published = models.BooleanField(_("publiée"), default=True)
    updated_at = models.DateTimeField(_("mise à jour"), auto_now=True)
    # Kept by a PostgreSQL trigger (migration 0002) from the texts above; NULL on SQLite,
    # which searches with icontains instead (helpcentre.search).
    search_fr = SearchVectorField(_("index de recherche"), null=True, editable=False)
    search_en = SearchVectorField(_("index de recherche en anglais"), null=True, editable=False)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "order", "id"]
        verbose_name = _("question d'aide")
        verbose_name_plural = _("questions d'aide")
        constraints = [
            models.UniqueConstraint(fields=["topic", "slug"], name="help_question_slug_per_topic")
        ]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("help:question", args=[self.topic.slug, self.slug])

    @property
    def shown_question(self) -> str:
        return self.question_en if _in_english() and self.question_en else self.question

    @property
    def shown_answer(self) -> str:
        return self.answer_en if _in_english() and self.answer_en else self.answer
