"""Private messages: the member's conversations, one conversation's messages, replying,
the read mark, the search of people one may write to, and starting a conversation. Same
fetchers (messaging/access.py) and services (messaging/services.py) as the website; every
name as privacy.py lets the reader see it."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.decorators import decorate_view
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from monquartier.api.auth import signed_in
from monquartier.api.errors import ApiError
from monquartier.api.idempotency import idempotent
from monquartier.api.v1 import cursors
from monquartier.api.v1.cursors import ListParams
from monquartier.api.v1.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPage,
    Error,
    Input,
    MessageIn,
    MessageOut,
    ReadOut,
    ReadUpTo,
    RecipientOut,
    RecipientPage,
    SentOut,
    ThreadOut,
)
from monquartier.communities import privacy
from monquartier.communities.access import open_membership
from monquartier.communities.models import Membership
from monquartier.messaging import access, services
from monquartier.messaging.models import Message, Participant

router = Router(tags=["messages"])

CONVERSATIONS_PER_PAGE = 20  # as the website's
MESSAGES_PER_PAGE = 30
PEOPLE_PER_PAGE = 20
PEOPLE_MAX_PAGE = 200


def _writer(user) -> Membership:
    membership = services.writer_membership(user)
    if membership is None:
        raise ApiError(
            403,
            "not_a_member",
            _("Vous écrirez à vos voisins dès que votre demande d'adhésion sera acceptée.")
            if open_membership(user)
            else _("Rejoignez la communauté de votre quartier pour écrire à vos voisins."),
        )
    return membership


def _message_out(message: Message, user, seen_as: dict[int, str]) -> MessageOut:
    return MessageOut(
        id=message.pk,
        sender_name=seen_as.get(message.sender_id, ""),
        is_mine=message.sender_id == user.pk,
        text="" if message.is_hidden else message.text,
        hidden=message.is_hidden,
        created_at=message.created_at,
    )


@router.get(
    "/conversations",
    response={200: ConversationPage, 401: Error, 403: Error, 422: Error},
    summary="Conversations",
)
def conversation_list(request: HttpRequest, params: Query[ListParams]):
    """The member's conversations, the one with the newest message first, 20 a page, with
    the number of messages not read yet."""
    cursors.refuse_unknown(request, set(ListParams.model_fields))
    user = signed_in(request)
    _writer(user)
    seats = Participant.objects.filter(user=user).with_summary()
    if params.cursor:
        last_at, conversation_id = cursors.decode_moment(params.cursor)
        seats = seats.filter(
            Q(conversation__last_message_at__lt=last_at)
            | Q(conversation__last_message_at=last_at, conversation_id__lt=conversation_id)
        )
    page = list(seats[: CONVERSATIONS_PER_PAGE + 1])
    more = len(page) > CONVERSATIONS_PER_PAGE
    page = page[:CONVERSATIONS_PER_PAGE]
    # Everyone in the page's conversations and their ties: two queries whatever the page.
    everyone = list(
        Participant.objects.filter(conversation_id__in=[seat.conversation_id for seat in page])
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    seen_as = privacy.names_seen_by(user, {seat.user_id: seat.user for seat in everyone}.values())
    others = defaultdict(list)
    for seat in everyone:
        if seat.user_id != user.pk:
            others[seat.conversation_id].append(seen_as[seat.user_id])
    items = [
        ConversationOut(
            id=seat.conversation_id,
            others=others[seat.conversation_id],
            last_message_at=seat.conversation.last_message_at,
            last_excerpt="" if seat.last_hidden_at else seat.last_excerpt or "",
            last_sender_name=seen_as.get(seat.last_sender_id, ""),
            last_is_mine=seat.last_sender_id == user.pk,
            last_hidden=seat.last_hidden_at is not None,
            unread=seat.unread,
        )
        for seat in page
    ]
    cursor = None
    if more:
        last = page[-1]
        cursor = cursors.encode(last.conversation.last_message_at.isoformat(), last.conversation_id)
    return ConversationPage(items=items, next_cursor=cursor)


class ThreadParams(Input):
    # What older_cursor said.
    cursor: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")


@router.get(
    "/conversations/{id:conversation_id}",
    response={200: ThreadOut, 401: Error, 404: Error, 422: Error},
    summary="One conversation",
)
def conversation_detail(request: HttpRequest, conversation_id: int, params: Query[ThreadParams]):
    """The newest 30 messages, oldest first; `older_cursor` gives the 30 before. Reading
    does not mark them read: POST /conversations/{id}/read does."""
    cursors.refuse_unknown(request, set(ThreadParams.model_fields))
    user = signed_in(request)
    conversation, _seat = access.get_conversation_for_participant(user, conversation_id)
    thread = conversation.messages.order_by("-id")
    if params.cursor:
        _created_at, before = cursors.decode_moment(params.cursor)
        thread = thread.filter(pk__lt=before)
    batch = list(thread[: MESSAGES_PER_PAGE + 1])
    older = len(batch) > MESSAGES_PER_PAGE
    batch = batch[:MESSAGES_PER_PAGE][::-1]  # oldest first
    seats = list(conversation.participants.select_related("user").order_by("joined_at", "pk"))
    seen_as = privacy.names_seen_by(user, [seat.user for seat in seats])
    return ThreadOut(
        id=conversation.pk,
        others=[seen_as[seat.user_id] for seat in seats if seat.user_id != user.pk],
        messages=[_message_out(message, user, seen_as) for message in batch],
        older_cursor=cursors.moment(batch[0]) if older else None,
    )


def _sent(message: Message, user) -> SentOut:
    return SentOut(
        conversation=message.conversation_id,
        message=_message_out(
            message, user, {user.pk: privacy.names_seen_by(user, [user])[user.pk]}
        ),
    )


@router.post(
    "/conversations/{id:conversation_id}/messages",
    response={201: SentOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error},
    summary="Reply",
)
@decorate_view(idempotent)
def reply(request: HttpRequest, conversation_id: int, payload: MessageIn):
    """A message to everyone in the conversation. Send an `Idempotency-Key` header so
    that a repeat after a lost answer sends nothing twice."""
    user = signed_in(request)
    conversation, _seat = access.get_conversation_for_participant(user, conversation_id)
    try:
        message = services.reply(user, conversation, payload.text)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({"text": error.error_list}) from None
    return Status(201, _sent(message, user))


def _read_up_to(request: HttpRequest) -> int | None:
    """The body is optional (an app may send none, as for alerts): {"up_to": id}."""
    if not request.body.strip():
        return None
    try:
        return ReadUpTo.model_validate_json(request.body).up_to
    except PydanticValidationError as error:
        raise ApiError(
            422,
            "invalid",
            _("La requête contient des erreurs."),
            {"up_to": [_("Valeur invalide.")]},
        ) from error


@router.post(
    "/conversations/{id:conversation_id}/read",
    response={200: ReadOut, 401: Error, 404: Error, 422: Error},
    summary="Mark a conversation read",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": ReadUpTo.model_json_schema()}},
        }
    },
)
def mark_read(request: HttpRequest, conversation_id: int):
    """The member saw the conversation up to `up_to` (a message id; without it or without
    a body, up to its last message). Repeating it changes nothing; a read mark never goes
    back."""
    user = signed_in(request)
    conversation, seat = access.get_conversation_for_participant(user, conversation_id)
    up_to = conversation.last_message_at
    message_id = _read_up_to(request)
    if message_id is not None:
        message = conversation.messages.filter(pk=message_id).first()
        if message is None:
            raise ApiError(
                422,
                "invalid",
                _("Ce message n'est pas dans la conversation."),
                {"up_to": [_("Ce message n'est pas dans la conversation.")]},
            )
        up_to = message.created_at
    services.mark_read(seat, up_to)
    return ReadOut(read=True)


class RecipientParams(Input):
    q: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1, le=PEOPLE_MAX_PAGE)


@router.get(
    "/recipients",
    response={200: RecipientPage, 401: Error, 403: Error, 422: Error},
    summary="People one may write to",
)
def recipients(request: HttpRequest, params: Query[RecipientParams]):
    """The members of one's community, then of the twinned ones, by name; `q` keeps those
    whose name (as the member sees it) has these words. 20 a page."""
    cursors.refuse_unknown(request, set(RecipientParams.model_fields))
    user = signed_in(request)
    membership = _writer(user)
    people = services.search_recipients(
        services.recipients_open_to(user, membership), membership.community_id, params.q
    )
    start = (params.page - 1) * PEOPLE_PER_PAGE
    page = list(people[start : start + PEOPLE_PER_PAGE + 1])
    more = len(page) > PEOPLE_PER_PAGE
    viewpoint = privacy.Viewpoint.of(user, membership)
    return RecipientPage(
        items=[
            RecipientOut(
                user_id=item.user_id,
                name=viewpoint.name_of(item.user, privacy.Ties(item.community_id)),
                community=item.community.name
                if item.community_id != membership.community_id
                else "",
            )
            for item in page[:PEOPLE_PER_PAGE]
        ],
        next_page=params.page + 1 if more and params.page < PEOPLE_MAX_PAGE else None,
    )


@router.post(
    "/conversations",
    response={201: SentOut, 401: Error, 403: Error, 409: Error, 422: Error, 429: Error},
    summary="Write to people",
)
@decorate_view(idempotent)
def start_conversation(request: HttpRequest, payload: ConversationIn):
    """A first message to people chosen in GET /recipients (their `user_id`s, 20 at most).
    Writing again to exactly the same people continues the conversation open with them.
    Send an `Idempotency-Key` header."""
    user = signed_in(request)
    _writer(user)
    message = services.start_conversation(user, payload.to, payload.text)
    return Status(201, _sent(message, user))
