"""Writing private messages, reading them, and hiding them (staff, after a report).

Who may write to whom (PRODUCT.md, "Messages"; docs/decisions.md):
- a new conversation goes only to active members of the sender's community and of the
  communities twinned with it, who have an open account with an e-mail (members
  registered without one never log in, so could never read it); at most 20 of them;
- a reply goes to everyone already in the conversation, as long as the writer is still
  an active member of some community, even if a participant has since left or the
  twinning ended (the conversation was legitimate when it started; its participants
  know each other's names already).
Participants who are not active members when a message arrives are not told: they
cannot open the messaging pages until they are members again.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.audit import log as audit_log
from monquartier.communities import privacy
from monquartier.communities.models import Community, Membership, MembershipStatus, Twinning
from monquartier.core import flood, pagecache
from monquartier.core.parsing import parse_id
from monquartier.messaging import pagecache as messaging_pagecache
from monquartier.messaging.models import Conversation, Message, Participant
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify

TEXT_MAX = 2000
MAX_RECIPIENTS = 20
SEARCH_MAX_WORDS = 4
EXCERPT_LENGTH = 160


def conversation_url(conversation_id: int) -> str:
    return reverse("messaging:conversation", args=[conversation_id])


def clean_text(text: str) -> str:
    """Trimmed, line breaks kept (as \\n whatever the browser sent)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError(_("Écrivez votre message."), code="text_empty")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            _("Un message fait %(max)s caractères au plus ; le vôtre en fait %(count)s.")
            % {"max": f"{TEXT_MAX:,}".replace(",", " "), "count": len(text)},
            code="text_long",
        )
    return text


def writer_membership(user) -> Membership | None:
    """The active membership that lets the user write, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.active_for(user)


def _require_writer(user) -> Membership:
    membership = writer_membership(user)
    if membership is None:
        raise PermissionDenied(
            _("Seuls les membres d'une communauté peuvent envoyer des messages.")
        )
    return membership


def recipients_open_to(sender: User, membership: Membership | None = None):
    """The active memberships of everyone the sender may start a conversation with, own
    community first, each group by the name the sender sees. Empty if the sender is not
    an active member."""
    membership = membership or writer_membership(sender)
    if membership is None:
        return Membership.objects.none()
    own = membership.community_id
    return (
        Membership.objects.active()
        .filter(
            community_id__in=[own, *Twinning.objects.partner_ids(own)],
            user__is_active=True,
            user__closed_at__isnull=True,
            user__email__isnull=False,
        )
        .exclude(user=sender)
        .select_related("user", "community")
        .annotate(
            is_twinned=Case(
                When(community_id=own, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            # A twinned member is sorted by the name the sender sees, not by the last
            # name the sender must not see.
            sort_name=privacy.sort_name_expression(own),
        )
        .order_by("is_twinned", "sort_name", "user__last_name", "pk")
    )


def search_recipients(queryset, own_community_id: int, query: str):
    """Filter recipients_open_to() by words of a name. A twinned member is found only by
    what the sender may see of them (privacy.name_search)."""
    for word in (query or "").split()[:SEARCH_MAX_WORDS]:
        queryset = queryset.filter(privacy.name_search(own_community_id, word[:40]))
    return queryset


def _unknown() -> ValidationError:
    return ValidationError(_("Destinataire inconnu."), code="recipient_unknown")


def _self() -> ValidationError:
    return ValidationError(_("Vous ne pouvez pas vous écrire à vous-même."), code="recipient_self")


def _not_allowed() -> ValidationError:
    return ValidationError(
        _(
            "Vous ne pouvez écrire qu'aux membres de votre communauté et des communautés jumelées avec elle."
        ),
        code="recipient_not_allowed",
    )


def _too_many(count: int) -> ValidationError:
    return ValidationError(
        _(
            "Un message part à %(max)s destinataires au plus ; vous en avez choisi %(count)s. Pour écrire à tout le quartier, publiez plutôt dans la gazette."
        )
        % {"max": MAX_RECIPIENTS, "count": count},
        code="too_many",
    )


def choose_recipients(
    sender: User, raw_ids, membership: Membership | None = None
) -> tuple[list[Membership], list[ValidationError]]:
    """The memberships of the chosen people the sender may write to, in the order
    chosen, and what was refused. Forged, pending, departed, excluded or closed
    recipients all get the same answer: the reason is none of the sender's business."""
    raw_ids = list(raw_ids)
    if len(raw_ids) > 5 * MAX_RECIPIENTS:
        return [], [_too_many(len(raw_ids))]
    problems: list[ValidationError] = []
    ids: list[int] = []
    for raw in raw_ids:
        value = parse_id(str(raw))
        if value is None:
            problems.append(_unknown())
        elif value == sender.pk:
            problems.append(_self())
        elif value not in ids:
            ids.append(value)
    found = (
        {
            item.user_id: item
            for item in recipients_open_to(sender, membership).filter(user_id__in=ids)
        }
        if ids
        else {}
    )
    if len(found) < len(ids):
        problems.append(_not_allowed())
    chosen = [found[user_id] for user_id in ids if user_id in found]
    if len(chosen) > MAX_RECIPIENTS:
        problems.append(_too_many(len(chosen)))
        chosen = chosen[:MAX_RECIPIENTS]
    unique = {problem.code: problem for problem in problems}
    return chosen, list(unique.values())


def resolve_recipients(
    sender: User, raw_ids, membership: Membership | None = None
) -> list[Membership]:
    """Like choose_recipients, but anything refused refuses the whole message."""
    chosen, problems = choose_recipients(sender, raw_ids, membership)
    if problems:
        raise ValidationError(problems)
    if not chosen:
        raise ValidationError(_("Choisissez au moins un destinataire."), code="no_recipient")
    return chosen


def _check_flood(sender: User) -> None:
    # A spam guard, generous for a real conversation.
    flood.check_flood(
        Message.objects.filter(sender=sender),
        "message",
        _("Vous avez envoyé beaucoup de messages en peu de temps : attendez quelques minutes."),
    )


def _conversation_between(sender: User, user_ids: set[int]) -> Conversation | None:
    """The sender's conversation whose participants are exactly these people, if any."""
    return (
        Conversation.objects.filter(
            pk__in=Participant.objects.filter(user=sender).values("conversation_id")
        )
        .annotate(
            seats=Count("participants"),
            chosen=Count("participants", filter=Q(participants__user_id__in=user_ids)),
        )
        .filter(seats=len(user_ids), chosen=len(user_ids))
        .order_by("-last_message_at")
        .first()
    )


@transaction.atomic
def start_conversation(sender: User, recipient_ids, text: str) -> Message:
    """Write to people chosen one by one. Writing again to exactly the same people
    continues the conversation already open with them."""
    membership = _require_writer(sender)
    # Each problem is named after what the compose page shows it beside.
    try:
        text = clean_text(text)
    except ValidationError as error:
        raise ValidationError({"text": error.error_list}) from error
    try:
        recipients = resolve_recipients(sender, recipient_ids, membership)
    except ValidationError as error:
        raise ValidationError({"to": error.error_list}) from error
    # One sender at a time: two clicks on "Envoyer" make one conversation, not two.
    User.objects.select_for_update().filter(pk=sender.pk).first()
    _check_flood(sender)
    everyone = {sender.pk, *(item.user_id for item in recipients)}
    conversation = _conversation_between(sender, everyone)
    if conversation is not None:
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    else:
        now = timezone.now()
        conversation = Conversation.objects.create(created_at=now, last_message_at=now)
        Participant.objects.bulk_create(
            Participant(conversation=conversation, user_id=user_id, joined_at=now)
            for user_id in [sender.pk, *(item.user_id for item in recipients)]
        )
    return _post(conversation, sender, membership.community, text)


@transaction.atomic
def reply(sender: User, conversation: Conversation, text: str) -> Message:
    """A participant writes to everyone in the conversation (see the module docstring)."""
    membership = _require_writer(sender)
    if not Participant.objects.filter(conversation=conversation, user=sender).exists():
        raise PermissionDenied(_("Vous ne participez pas à cette conversation."))
    text = clean_text(text)
    # Messages of one conversation are written one at a time, so that last_message_at
    # only moves forward.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _check_flood(sender)
    return _post(conversation, sender, membership.community, text)


def _post(conversation: Conversation, sender: User, community: Community, text: str) -> Message:
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation, sender=sender, text=text, created_at=now
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    conversation.last_message_at = now
    Participant.objects.filter(conversation=conversation, user=sender).update(last_read_at=now)
    _tell_participants(conversation, sender, community, text)
    return message


def _tell_participants(
    conversation: Conversation, sender: User, community: Community, text: str
) -> None:
    """A notification for each other participant who can read it, naming the sender as
    that participant may see them: the real name in the sender's community, the public
    name elsewhere (privacy.names_for_recipients). One notify() per name, so at most two.
    Participants who are not active members cannot open the messages: not told."""
    others = [
        seat.user
        for seat in Participant.objects.filter(
            conversation=conversation, user__memberships__status=MembershipStatus.ACTIVE
        )
        .exclude(user=sender)
        .select_related("user")
    ]
    url = conversation_url(conversation.pk)
    # The start of the message, on one line: enough to know whether to open it now.
    excerpt = Truncator(" ".join(text.split())).chars(EXCERPT_LENGTH)
    for display_name, recipients in privacy.names_for_recipients(others, sender).items():
        notify(
            recipients,
            kind=NotificationKind.MESSAGE,
            event="new_message",
            community=community,
            actor=sender,
            url=url,
            sender=display_name,
            excerpt=excerpt,
        )


def unread_count(user) -> int:
    """Unread messages of all the user's conversations, in one query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.unread_by(user).count()


def mark_read(participant: Participant, up_to) -> None:
    """The participant saw the conversation up to `up_to` (its last message when the
    page was read: a message arriving meanwhile stays unread)."""
    if up_to is None:
        return
    if (
        Participant.objects.filter(pk=participant.pk)
        .filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=up_to))
        .update(last_read_at=up_to)
    ):
        pagecache.bump(pagecache.user(participant.user_id))


@transaction.atomic
def hide_message(staff: User, message: Message, reason: str) -> Message:
    """Staff hide a reported message: participants see "Message masqué par l'équipe"."""
    if not staff.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier peut masquer un message."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez pourquoi le message est masqué."), code="reason")
    Message.objects.filter(pk=message.pk, hidden_at__isnull=True).update(
        hidden_at=timezone.now(), hidden_by=staff, hidden_reason=reason[:300]
    )
    message.refresh_from_db()
    messaging_pagecache.conversation_changed(message.conversation_id)
    audit_log.record(staff, "message.hide", member=message.sender, target=message, reason=reason)
    return message
