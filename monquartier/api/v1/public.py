"""Public, no token: what the website shows a visitor, nobody's personal data.

- The communities of a commune (the public directory's page, 40 a page, by name) or
  around a point (the one that contains it, then those within 3 km, as the "join"
  page shows them), with their boundary for a map.
- A community's public page, only where a référent turned it on: its référents under
  their public name, a photo only if they chose to show it (communities/public_views.py,
  the same function as the website's page).
- The help centre (helpcentre/): its topics, an article, the search, in the language of
  `Accept-Language` (French unless it asks for English).
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import Query, Router
from shapely.geometry import Point

from monquartier.api.errors import ApiError
from monquartier.api.v1 import cursors
from monquartier.api.v1.schemas import (
    CommuneRef,
    CommunitySearch,
    CommunitySearchPage,
    CommunitySummary,
    Error,
    HelpArticleOut,
    HelpQuestionRef,
    HelpResultOut,
    HelpSearch,
    HelpTopicOut,
    HelpTopicRef,
    PublicCommunityOut,
    PublicReferent,
)
from monquartier.communities import lookups
from monquartier.communities.models import Community
from monquartier.communities.public_views import (
    COMMUNITIES_PER_PAGE,
    public_community,
    public_referents,
)
from monquartier.communities.views._common import NEARBY_METRES
from monquartier.helpcentre import markup
from monquartier.helpcentre import search as help_search
from monquartier.helpcentre.models import Question
from monquartier.helpcentre.views import SearchForm, published_topics
from monquartier.places.models import Commune

router = Router(tags=["public"])

# The "join" page's list: the community around the point and its nearest neighbours.
NEARBY_SHOWN = 8


def _in_visitors_language(request: HttpRequest, response: HttpResponse) -> None:
    """The language `Accept-Language` asks for among ours (settings.LANGUAGES), else
    French; never a cookie or a session (an app has neither). Caches are told the
    answer depends on it."""
    patch_vary_headers(response, ["Accept-Language"])
    chosen = "fr"
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        try:
            chosen = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        break
    translation.activate(chosen)
    request.LANGUAGE_CODE = chosen


def _summary(community: Community, distance: float | None = None) -> CommunitySummary:
    return CommunitySummary(
        id=community.pk,
        name=community.name,
        commune=CommuneRef(slug=community.commune.slug, name=community.commune.name),
        created_at=community.created_at,
        member_count=community.member_count,  # type: ignore[attr-defined]  # with_member_count
        public_page=community.public_page,
        area=community.area,
        distance_m=None if distance is None else round(distance, 1),
    )


@router.get(
    "/public/communities",
    auth=None,
    response={200: CommunitySearchPage, 404: Error, 422: Error},
    summary="Find communities",
)
def search_communities(request: HttpRequest, params: Query[CommunitySearch]):
    """`commune` (a slug from /communes): its communities by name, 40 a page (`page`).
    Or `latitude` and `longitude`: the community whose area holds the point (distance 0)
    and the others within 3 km, nearest first (8 at most)."""
    cursors.refuse_unknown(request, CommunitySearch.model_fields)
    point_given = params.latitude is not None or params.longitude is not None
    if point_given == (params.commune is not None) or (
        point_given and (params.latitude is None or params.longitude is None)
    ):
        message = _("Indiquez une commune, ou une latitude et une longitude.")
        raise ApiError(422, "invalid", message, {"__all__": [message]})
    communities = Community.objects.with_member_count().select_related("commune")
    if params.commune is not None:
        commune = get_object_or_404(Commune, slug=params.commune)
        paginator = Paginator(
            communities.filter(commune=commune).order_by("name", "pk"), COMMUNITIES_PER_PAGE
        )
        page = paginator.get_page(params.page)
        return CommunitySearchPage(
            items=[_summary(community) for community in page],
            page=page.number,
            pages=paginator.num_pages,
        )
    assert params.latitude is not None and params.longitude is not None
    point = Point(params.longitude, params.latitude)
    containing = lookups.community_containing(params.latitude, params.longitude)
    found = [
        (community, distance)
        for community, distance in lookups.communities_near(point, within_m=NEARBY_METRES)
        if containing is None or community.pk != containing.pk
    ][:NEARBY_SHOWN]
    distances = {community.pk: distance for community, distance in found}
    if containing is not None:
        distances = {containing.pk: 0.0, **distances}
    rows = {community.pk: community for community in communities.filter(pk__in=list(distances))}
    return CommunitySearchPage(
        items=[_summary(rows[pk], distance) for pk, distance in distances.items() if pk in rows],
        page=1,
        pages=1,
    )


@router.get(
    "/public/communities/{id:community_id}",
    auth=None,
    response={200: PublicCommunityOut, 404: Error},
    summary="A community's public page",
)
def community_page(request: HttpRequest, community_id: int):
    """What the website's public page shows: name, commune, creation date, number of
    members, référents (public names; a photo only if they chose to show it), the
    presentation and the boundary. 404 where a référent did not turn the page on."""
    community = public_community(community_id)
    return PublicCommunityOut(
        id=community.pk,
        name=community.name,
        commune=CommuneRef(slug=community.commune.slug, name=community.commune.name),
        created_at=community.created_at,
        member_count=community.member_count,  # type: ignore[attr-defined]  # with_member_count
        referents=[PublicReferent(**referent) for referent in public_referents(community)],
        presentation=community.presentation,
        area=community.area,
    )


def _topic_ref(topic) -> HelpTopicRef:
    return HelpTopicRef(slug=topic.slug, title=topic.shown_title)


@router.get("/help", auth=None, response=list[HelpTopicOut], summary="Help centre: topics")
def help_topics(request: HttpRequest, response: HttpResponse):
    """The help centre's topics in their order, each with its questions (published ones),
    in the language of Accept-Language."""
    _in_visitors_language(request, response)
    topics = list(published_topics())
    questions: dict[int, list[HelpQuestionRef]] = {topic.pk: [] for topic in topics}
    for question in (
        Question.objects.published()
        .filter(topic__in=topics)
        .order_by("order", "id")
        .only("topic_id", "slug", "question", "question_en")
    ):
        questions[question.topic_id].append(
            HelpQuestionRef(slug=question.slug, question=question.shown_question)
        )
    return [
        HelpTopicOut(
            slug=topic.slug,
            title=topic.shown_title,
            description=topic.shown_description,
            icon=topic.icon,
            questions=questions[topic.pk],
        )
        for topic in topics
    ]


@router.get(
    "/help/search",
    auth=None,
    response={200: list[HelpResultOut], 422: Error},
    summary="Help centre: search",
)
def help_search_view(request: HttpRequest, response: HttpResponse, params: Query[HelpSearch]):
    """The website's search: every word of `q` (100 characters at most), 20 answers at
    most, best first, with a piece of the answer around the words found."""
    cursors.refuse_unknown(request, HelpSearch.model_fields)
    _in_visitors_language(request, response)
    form = SearchForm(data={"q": params.q})
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return [
        HelpResultOut(
            topic=_topic_ref(result.question.topic),
            slug=result.question.slug,
            question=result.question.shown_question,
            snippet_html=str(result.snippet),
        )
        for result in help_search.search(form.cleaned_data["q"])
    ]


@router.get(
    "/help/{topic_slug}/{question_slug}",
    auth=None,
    response={200: HelpArticleOut, 404: Error},
    summary="Help centre: one article",
)
def help_article(request: HttpRequest, response: HttpResponse, topic_slug: str, question_slug: str):
    """One question and its answer (HTML: paragraphs, lists, links to the website's
    pages), with the other questions of its topic."""
    _in_visitors_language(request, response)
    question = get_object_or_404(
        Question.objects.published().select_related("topic"),
        topic__slug=topic_slug,
        slug=question_slug,
    )
    others = (
        Question.objects.published()
        .filter(topic=question.topic_id)
        .exclude(pk=question.pk)
        .order_by("order", "id")
        .only("slug", "question", "question_en")
    )
    return HelpArticleOut(
        topic=_topic_ref(question.topic),
        slug=question.slug,
        question=question.shown_question,
        answer_html=str(markup.render(question.shown_answer)),
        updated_at=question.updated_at,
        others=[
            HelpQuestionRef(slug=other.slug, question=other.shown_question) for other in others
        ],
    )
