"""Searching the help centre.

On PostgreSQL: full-text search in the reader's language (French stemming, accents
ignored: migration 0002), ranked, with a headline around the words found. We build the
query ourselves: every word of what was typed (letters and digits only, so no operator
reaches PostgreSQL) as a prefix, all required: « jumel » finds « jumelage » and
« jumelées », a word still being typed finds its answers. When it finds nothing, the
simple search below is tried.
Elsewhere (SQLite: the demo and most tests) the simple search alone: every word of the
query inside the question or the answer, a final plural s or x dropped.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from monquartier.helpcentre import markup
from monquartier.helpcentre.models import Question

QUERY_MAX_LENGTH = 100
RESULTS_SHOWN = 20
WORDS_USED = 8
SNIPPET_LENGTH = 180
# Private-use characters mark the words found in PostgreSQL's headline: they cannot come
# from the answers' text, so the headline is escaped whole, then they become <mark>.
MARK_START, MARK_STOP = "\ue000", "\ue001"
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Result:
    question: Question
    snippet: SafeString


def _english() -> bool:
    return (get_language() or "").startswith("en")


def query_words(query: str, *, singular: bool = False) -> list[str]:
    """The words looked for: at most WORDS_USED, of two letters or more; `singular` drops
    a final s or x (the simple search has no stemming)."""
    words: list[str] = []
    for word in WORD.findall(query.casefold()):
        if singular and len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        if len(word) >= 2 and word not in words:
            words.append(word)
    return words[:WORDS_USED]


def search(query: str) -> list[Result]:
    query = query.strip()[:QUERY_MAX_LENGTH]
    if not WORD.search(query):
        return []
    questions = Question.objects.published().select_related("topic")
    if connection.vendor == "postgresql":
        results = _full_text(questions, query)
        if results:
            return results
    return _simple(questions, query)


def _full_text(questions, query: str) -> list[Result]:
    english = _english()
    config = "helpcentre_en" if english else "helpcentre_fr"
    vector = "search_en" if english else "search_fr"
    answer = "answer_en" if english else "answer"
    words = query_words(query)
    if not words:
        return []
    prefixes = " & ".join(f"{word}:*" for word in words)
    search_query = SearchQuery(prefixes, config=config, search_type="raw")
    found = (
        questions.filter(**{vector: search_query})
        .annotate(
            rank=SearchRank(F(vector), search_query),
            headline=SearchHeadline(
                answer,
                search_query,
                config=config,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=28,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "topic__order", "order", "id")[:RESULTS_SHOWN]
    )
    results = []
    for question in found:
        headline = question.headline if question.answer_en or not english else ""
        snippet = _marked(markup.plain_text(headline)) if headline else _snippet(question, [])
        results.append(Result(question, snippet))
    return results


def _marked(headline: str) -> SafeString:
    html = escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # nosec B308 # escaped just above


def _simple(questions, query: str) -> list[Result]:
    words = query_words(query, singular=True)
    if not words:
        return []
    # English readers read the French text where the English one is empty: both count.
    fields = ["question", "answer"] + (["question_en", "answer_en"] if _english() else [])
    matches = Q()
    for word in words:
        anywhere = Q()
        for field in fields:
            anywhere |= Q(**{f"{field}__icontains": word})
        matches &= anywhere
    found = list(questions.filter(matches)[: RESULTS_SHOWN * 2])
    # A question that names the words comes before one whose answer only does.
    found.sort(
        key=lambda question: -sum(word in question.shown_question.casefold() for word in words)
    )
    return [Result(question, _snippet(question, words)) for question in found[:RESULTS_SHOWN]]


def _snippet(question: Question, words: list[str]) -> SafeString:
    """A piece of the answer around the first word found, the words marked."""
    text = markup.plain_text(question.shown_answer)
    folded = text.casefold()
    positions = [folded.find(word) for word in words if word in folded]
    start = max(0, min(positions) - SNIPPET_LENGTH // 3) if positions else 0
    piece = text[start : start + SNIPPET_LENGTH]
    if start:
        piece = "…" + piece[piece.find(" ") + 1 :] if " " in piece else "…" + piece
    if start + SNIPPET_LENGTH < len(text):
        piece = piece.rsplit(" ", 1)[0] + "…"
    if not words:
        return escape(piece)
    found = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    parts, position = [], 0
    for match in found.finditer(piece):
        parts += [escape(piece[position : match.start()]), f"<mark>{escape(match[0])}</mark>"]
        position = match.end()
    parts.append(escape(piece[position:]))
    return mark_safe("".join(parts))  # nosec B308 # escaped, then <mark>
