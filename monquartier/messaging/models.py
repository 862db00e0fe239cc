"""Private messages between members (PRODUCT.md, "Messages").

A conversation is a fixed set of participants chosen by whoever wrote first; every
message goes to all of them. Messages are never edited nor deleted; staff can hide one
after a report. Nobody outside the participants reads them: see access.py.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    created_at = models.DateTimeField(_("commencée le"), default=timezone.now)
    # The conversations list is sorted on it; written with each message.
    last_message_at = models.DateTimeField(
        _("dernier message le"), default=timezone.now, db_index=True
    )

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"#{self.pk}"


# Before any message: "never read" compares as "read at the epoch".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXCERPT_LENGTH = 100


class ParticipantQuerySet(models.QuerySet):
    def with_summary(self) -> "ParticipantQuerySet":
        """Each seat with its conversation, unread count and last message (excerpt,
        sender, hidden or not), newest conversation first: one query for a whole page.
        """
        thread = Message.objects.filter(conversation=OuterRef("conversation_id"))
        unread = (
            thread.filter(
                hidden_at__isnull=True,
                created_at__gt=Coalesce(
                    OuterRef("last_read_at"), Value(EPOCH, output_field=models.DateTimeField())
                ),
            )
            .exclude(sender=OuterRef("user_id"))
            .order_by()
            .values("conversation")
            .annotate(count=Count("pk"))
            .values("count")
        )
        last = thread.order_by("-id")
        return (
            self.select_related("conversation")
            .annotate(
                unread=Coalesce(Subquery(unread), 0),
                last_excerpt=Subquery(
                    last.annotate(excerpt=Substr("text", 1, EXCERPT_LENGTH)).values("excerpt")[:1]
                ),
                last_sender_id=Subquery(last.values("sender_id")[:1]),
                last_hidden_at=Subquery(last.values("hidden_at")[:1]),
            )
            .order_by("-conversation__last_message_at", "-conversation_id")
        )


class Participant(models.Model):
    """One person in a conversation. Nobody is ever removed: a member who left their
    community keeps their place (and their messages) in the history."""

    # No separate index on either column: the unique constraint (conversation, user) and
    # the index (user, conversation) serve both lookups.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_seats",
        db_index=False,
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # Messages after this moment (by others, not hidden) are unread; None: nothing read.
    last_read_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_seat_per_conversation"
            )
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="participant_user_seats")]

    def __str__(self) -> str:
        return f"{self.user_id} in #{self.conversation_id}"


class MessageQuerySet(models.QuerySet):
    def visible(self) -> "MessageQuerySet":
        return self.filter(hidden_at__isnull=True)

    def unread_by(self, user) -> "MessageQuerySet":
        """Messages of the user's conversations that others wrote after the user last read
        the conversation. One filter() call, so that both conditions on the participant
        apply to the same participant row (the user's)."""
        return (
            self.visible()
            .filter(
                Q(conversation__participants__last_read_at__isnull=True)
                | Q(created_at__gt=F("conversation__participants__last_read_at")),
                conversation__participants__user=user,
            )
            .exclude(sender=user)
        )


class Message(models.Model):
    """Text only (no attachments), 1 to 2,000 characters, never edited nor deleted."""

    # Indexed below, with the id and with the date.
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        verbose_name=_("conversation"),
    )
    # PROTECT: a closed account keeps its row, shown as "Ancien membre" (User.full_name).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="messages_sent",
        verbose_name=_("expéditeur"),
    )
    text = models.TextField(_("texte"), max_length=2000)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("masqué par"),
    )
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)

    objects = MessageQuerySet.as_manager()
    # Set for the reader of a conversation (messaging.views.conversation), not columns.
    sender_name: str
    is_mine: bool

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # A conversation's page (newest first by id) and its unread count (by date).
            models.Index(fields=["conversation", "id"], name="message_thread"),
            models.Index(fields=["conversation", "created_at"], name="message_thread_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in #{self.conversation_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
