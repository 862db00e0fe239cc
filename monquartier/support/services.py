"""The support desk's writes: each function one transaction, the only way views change
tickets. Staff actions are recorded in the audit log inside their transaction."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from monquartier.accounts import services as account_services
from monquartier.accounts.models import User
from monquartier.audit import log
from monquartier.communities.models import ESCALATION_AFTER, Community, Membership
from monquartier.core import flood
from monquartier.core.documents import check_pdf, looks_like_pdf
from monquartier.core.images import reencode_image
from monquartier.moderation.models import ExclusionRequest
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox.models import Channel, Delivery
from monquartier.outbox.services import wake_senders
from monquartier.support.models import (
    BODY_MAX,
    CONTACT_KINDS,
    EmailPurpose,
    MessageKind,
    SupportEmail,
    Ticket,
    TicketKind,
    TicketMessage,
    TicketStatus,
)


@dataclass
class PreparedAttachment:
    content: ContentFile
    name: str


def prepare_attachment(upload) -> PreparedAttachment | None:
    """A photo (re-encoded: EXIF and GPS dropped) or a PDF (checked for what it holds),
    decided by content, not by name. Raises ValidationError({"attachment": …})."""
    if not upload:
        return None
    limit = settings.SUPPORT_ATTACHMENT_MAX_BYTES
    name = (getattr(upload, "name", "") or "fichier")[-120:]
    try:
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if looks_like_pdf(head):
            check_pdf(upload, max_bytes=limit)
            return PreparedAttachment(ContentFile(upload.read(), name="document.pdf"), name)
        image = reencode_image(upload, max_bytes=limit)
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from None
    return PreparedAttachment(image.full, name)


def source_hash(address: str) -> str:
    """A keyed hash of the visitor's network address: enough to count, nothing to read."""
    if not address:
        return ""
    return salted_hmac("monquartier.support.source", address).hexdigest()[:32]


def _email(
    ticket: Ticket, purpose: str, *, address: str, recipient=None, language="", message=None
):
    """Queue one e-mail of the desk through the outbox (nothing without an address)."""
    if not address:
        return None
    email = SupportEmail.objects.create(
        ticket=ticket,
        purpose=purpose,
        message=message,
        recipient=recipient,
        address=address,
        language=language or settings.LANGUAGE_CODE,
    )
    Delivery.objects.create(
        support_email=email, user=recipient, channel=Channel.EMAIL, address=address
    )
    wake_senders([Channel.EMAIL])
    return email


def _email_requester(ticket: Ticket, purpose: str, message=None):
    requester = ticket.requester
    if requester is not None:
        if requester.is_closed or not requester.is_active:
            return None
        return _email(
            ticket,
            purpose,
            address=requester.email or "",
            recipient=requester,
            language=requester.language,
            message=message,
        )
    return _email(ticket, purpose, address=ticket.visitor_email, message=message)


def _event(ticket: Ticket, staff, text: str) -> None:
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.EVENT, author=staff, body=text)


def _touch(ticket: Ticket, *, status: str | None = None) -> None:
    fields = ["updated_at"]
    ticket.updated_at = timezone.now()
    if status is not None and status != ticket.status:
        ticket.status = status
        ticket.resolved_at = ticket.updated_at if status == TicketStatus.RESOLVED else None
        fields += ["status", "resolved_at"]
    ticket.save(update_fields=fields)


def _staff_path(ticket: Ticket) -> str:
    return reverse("support:staff_ticket", args=[ticket.pk])


def _require_staff(user) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied(_("Réservé à l'équipe MonQuartier."))


def _locked(ticket: Ticket) -> Ticket:
    # Only the ticket row is locked: the requester is read through an outer join.
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=ticket.pk)
    )


def _save_attachment(message: TicketMessage, prepared: PreparedAttachment | None) -> None:
    if prepared is None:
        return
    suffix = ".pdf" if (prepared.content.name or "").endswith(".pdf") else ".jpg"
    message.attachment.save(f"file{suffix}", prepared.content, save=False)
    message.attachment_name = prepared.name
    message.save(update_fields=["attachment", "attachment_name"])


def member_from_link(link: str) -> User | None:
    """The account a pasted link to a member's card names (/c/<id>/membres/<id>/), if
    it is one of ours; the team still checks it is the impersonator."""
    parts = urlsplit(link or "")
    site = urlsplit(settings.SITE_URL)
    if parts.netloc and parts.netloc != site.netloc:
        return None
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return None
    if match.view_name != "communities:member":
        return None
    return User.objects.filter(
        pk=match.kwargs["user_id"],
        memberships__community_id=match.kwargs["community_id"],
    ).first()


def _check_ticket_flood(requester, visitor_email: str, source: str) -> None:
    message = _(
        "Vous nous avez déjà écrit %(count)s fois aujourd'hui : nous vous répondons au plus vite, "
        "merci de patienter."
    )
    if requester is not None:
        flood.check_flood(Ticket.objects.filter(requester=requester), "support_ticket", message)
        return
    if visitor_email:
        flood.check_flood(
            Ticket.objects.filter(visitor_email__iexact=visitor_email), "support_ticket", message
        )
    if source:
        flood.check_flood(Ticket.objects.filter(source_hash=source), "support_ticket", message)
    flood.check_flood(
        Ticket.objects.filter(
            requester__isnull=True, membership__isnull=True, exclusion__isnull=True
        ),
        "support_visitors",
        _("Beaucoup de messages nous arrivent en ce moment : réessayez dans une heure."),
    )


@transaction.atomic
def open_ticket(
    requester: User | None,
    *,
    kind: str,
    body: str,
    facts: dict | None = None,
    attachment=None,
    visitor_name: str = "",
    visitor_email: str = "",
    visitor_phone: str = "",
    source_address: str = "",
) -> Ticket:
    """A ticket from the contact form, by a member (`requester`) or a visitor; the
    requester gets an acknowledgement by e-mail."""
    if kind not in CONTACT_KINDS:
        raise ValidationError(_("Choisissez le sujet de votre demande."), code="kind")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez votre message.")})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": _("Votre message est trop long.")})
    if requester is None and not (visitor_email or visitor_phone):
        raise ValidationError(
            {"visitor_email": _("Donnez une adresse e-mail ou un téléphone.")}, code="no_contact"
        )
    source = "" if requester else source_hash(source_address)
    _check_ticket_flood(requester, visitor_email, source)
    prepared = prepare_attachment(attachment)
    facts = dict(facts or {})
    membership = None
    if kind == TicketKind.UNANSWERED_JOIN and requester is not None:
        membership = Membership.objects.pending().filter(user=requester).first()
        if membership is not None and timezone.now() - membership.requested_at < ESCALATION_AFTER:
            raise ValidationError(
                _(
                    "Votre demande d'adhésion a moins de 15 jours : les référents ont encore le "
                    "temps de répondre. Passé ce délai, l'équipe la reprend d'elle-même."
                ),
                code="too_early",
            )
    impersonator = None
    if kind == TicketKind.IDENTITY_THEFT:
        impersonator = member_from_link(facts.get("profile_link", ""))
        if impersonator is not None and requester is not None and impersonator.pk == requester.pk:
            impersonator = None
    # The member's community, for the queue (a visitor's is in their words only).
    community = membership.community if membership else None
    if community is None and requester is not None:
        community_id = Membership.objects.active_community_id(requester)
        community = Community.objects.filter(pk=community_id).first() if community_id else None
    ticket = Ticket.objects.create(
        kind=kind,
        requester=requester,
        visitor_name="" if requester else visitor_name.strip()[:120],
        visitor_email="" if requester else visitor_email.strip().lower(),
        visitor_phone="" if requester else visitor_phone.strip()[:20],
        source_hash=source,
        facts=facts,
        community=community,
        membership=membership,
        impersonator=impersonator,
    )
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.REQUESTER, author=requester, body=body
    )
    _save_attachment(message, prepared)
    _email_requester(ticket, EmailPurpose.RECEIVED)
    if kind == TicketKind.IDENTITY_THEFT:
        # Someone may be using another's name right now: the team hears of it at once.
        notify(
            User.objects.filter(is_staff=True, is_active=True),
            kind=NotificationKind.PLATFORM,
            event="support_identity_theft",
            url=_staff_path(ticket),
            reference=ticket.reference,
        )
    return ticket


@transaction.atomic
def add_requester_message(
    ticket: Ticket, author: User | None, body: str, attachment=None
) -> TicketMessage:
    """The requester answers (from their account, or a visitor from the e-mail link)."""
    ticket = _locked(ticket)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(
            _("Cette demande est fermée. Pour autre chose, écrivez-nous une nouvelle demande."),
            code="closed",
        )
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez votre message.")})
    flood.check_flood(
        ticket.messages.filter(kind=MessageKind.REQUESTER),
        "support_message",
        _(
            "Vous avez déjà écrit %(count)s messages aujourd'hui sur cette demande : l'équipe les lit."
        ),
    )
    prepared = prepare_attachment(attachment)
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.REQUESTER, author=author, body=body[:BODY_MAX]
    )
    _save_attachment(message, prepared)
    # A resolved ticket the requester answers is open again.
    _touch(ticket, status=TicketStatus.OPEN if ticket.status != TicketStatus.NEW else None)
    if ticket.assignee_id is not None:
        notify(
            User.objects.filter(pk=ticket.assignee_id),
            kind=NotificationKind.PLATFORM,
            event="support_answer",
            url=_staff_path(ticket),
            reference=ticket.reference,
        )
    return message


@transaction.atomic
def reply(staff: User, ticket: Ticket, body: str) -> TicketMessage:
    """Staff answer the requester: the answer is in the thread and sent by e-mail."""
    _require_staff(staff)
    ticket = _locked(ticket)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez la réponse.")})
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.REPLY, author=staff, body=body[:BODY_MAX]
    )
    sent = _email_requester(ticket, EmailPurpose.REPLY, message=message)
    _touch(ticket, status=TicketStatus.WAITING)
    log.record(
        staff,
        "support.reply",
        member=ticket.requester,
        target=ticket,
        details={"emailed": sent is not None},
    )
    return message


@transaction.atomic
def add_note(staff: User, ticket: Ticket, body: str) -> TicketMessage:
    """An internal note: for the team only, never shown or sent to the requester."""
    _require_staff(staff)
    ticket = _locked(ticket)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez la note.")})
    note = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=staff, body=body[:BODY_MAX]
    )
    _touch(ticket, status=TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
    log.record(staff, "support.note", member=ticket.requester, target=ticket)
    return note


@transaction.atomic
def assign(staff: User, ticket: Ticket, assignee: User | None) -> Ticket:
    _require_staff(staff)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ValidationError({"assignee": _("Une demande se confie à un membre de l'équipe.")})
    ticket = _locked(ticket)
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee"])
    _event(
        ticket,
        staff,
        _("Confiée à %(name)s.") % {"name": assignee.get_full_name()}
        if assignee
        else _("Plus confiée à personne."),
    )
    _touch(ticket, status=TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
    log.record(
        staff,
        "support.assign",
        member=ticket.requester,
        target=ticket,
        details={"assignee": assignee.pk if assignee else None},
    )
    return ticket


@transaction.atomic
def set_status(staff: User, ticket: Ticket, status: str) -> Ticket:
    _require_staff(staff)
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Choisissez un statut.")})
    ticket = _locked(ticket)
    if ticket.status == status:
        return ticket
    before = ticket.status
    _touch(ticket, status=status)
    _event(ticket, staff, _("Statut : %(status)s.") % {"status": ticket.get_status_display()})
    log.record(
        staff,
        "support.status",
        member=ticket.requester,
        target=ticket,
        details={"from": before, "to": status},
    )
    return ticket


def _identity_ticket(staff: User, ticket: Ticket) -> Ticket:
    _require_staff(staff)
    ticket = _locked(ticket)
    if ticket.kind != TicketKind.IDENTITY_THEFT:
        raise ValidationError(
            _("Ce n'est pas une demande pour usurpation d'identité."), code="kind"
        )
    return ticket


@transaction.atomic
def suspend_impersonator(staff: User, ticket: Ticket, account: User | None, reason: str) -> User:
    """Identity theft: stop the impersonating account at once (accounts.suspend_account),
    tell the person who asked, and tell the account's owner why."""
    ticket = _identity_ticket(staff, ticket)
    account = account or ticket.impersonator
    if account is None:
        raise ValidationError({"account": _("Indiquez le compte à suspendre.")})
    if ticket.requester_id is not None and account.pk == ticket.requester_id:
        raise ValidationError({"account": _("C'est le compte de la personne qui nous écrit.")})
    address, language = account.email or "", account.language
    account = account_services.suspend_account(account)
    ticket.impersonator = account
    ticket.save(update_fields=["impersonator"])
    _event(ticket, staff, _("Compte n° %(id)s suspendu.") % {"id": account.pk})
    _touch(ticket, status=TicketStatus.OPEN)
    _email_requester(ticket, EmailPurpose.IMPERSONATION_STOPPED)
    _email(
        ticket,
        EmailPurpose.ACCOUNT_SUSPENDED,
        address=address,
        recipient=account,
        language=language,
    )
    log.record(staff, "account.suspend", member=account, target=ticket, reason=reason)
    return account


def _suspended_impersonator(ticket: Ticket) -> User:
    account = ticket.impersonator
    if account is None or not account.is_suspended:
        raise ValidationError(_("Aucun compte suspendu pour cette demande."), code="not_suspended")
    return account


@transaction.atomic
def restore_impersonator(staff: User, ticket: Ticket, reason: str) -> User:
    """The report was wrong: the suspended account comes back, and is told."""
    ticket = _identity_ticket(staff, ticket)
    account = account_services.restore_account(_suspended_impersonator(ticket))
    _event(ticket, staff, _("Compte n° %(id)s rétabli.") % {"id": account.pk})
    _touch(ticket)
    _email(
        ticket,
        EmailPurpose.ACCOUNT_RESTORED,
        address=account.email or "",
        recipient=account,
        language=account.language,
    )
    log.record(staff, "account.restore", member=account, target=ticket, reason=reason)
    return account


@transaction.atomic
def close_impersonator(staff: User, ticket: Ticket, reason: str) -> User:
    """The impersonation is confirmed: the account is closed (its personal data erased,
    accounts.close_account), told at the address it had, and the ticket resolved."""
    ticket = _identity_ticket(staff, ticket)
    account = _suspended_impersonator(ticket)
    address, language = account.email or "", account.language
    account_services.close_account(account)
    _event(ticket, staff, _("Compte n° %(id)s fermé.") % {"id": account.pk})
    _touch(ticket, status=TicketStatus.RESOLVED)
    _email(
        ticket, EmailPurpose.ACCOUNT_CLOSED, address=address, recipient=account, language=language
    )
    log.record(staff, "account.close", member=account, target=ticket, reason=reason)
    return account


def open_escalated_join_tickets(memberships) -> int:
    """A ticket for each join request left unanswered for 15 days (called inside the
    escalation's transaction); a request that has one already gets no second."""
    made = 0
    for membership in memberships:
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    kind=TicketKind.UNANSWERED_JOIN,
                    requester=membership.user,
                    community=membership.community,
                    membership=membership,
                )
        except IntegrityError:
            continue
        _event(
            ticket,
            None,
            _("Demande d'adhésion à « %(community)s » du %(day)s, sans réponse des référents.")
            % {
                "community": membership.community.name,
                "day": timezone.localtime(membership.requested_at).strftime("%d/%m/%Y"),
            },
        )
        made += 1
    return made


def open_exclusion_ticket(exclusion: ExclusionRequest) -> Ticket:
    """The desk's ticket of a référent's exclusion request (decided in moderation)."""
    asked_by = exclusion.requested_by
    ticket, created = Ticket.objects.get_or_create(
        exclusion=exclusion,
        defaults={
            "kind": TicketKind.EXCLUSION,
            # A référent follows it in their account; staff who asked (after a report) do not.
            "requester": asked_by if asked_by is not None and not asked_by.is_staff else None,
            "community": exclusion.community,
        },
    )
    if created:
        _event(ticket, None, exclusion.reason)
    return ticket


def close_exclusion_ticket(exclusion: ExclusionRequest) -> None:
    """Moderation decided the exclusion: its ticket is resolved, with the decision."""
    for ticket in Ticket.objects.unfinished().filter(exclusion=exclusion):
        _event(
            ticket,
            exclusion.decided_by,
            _("Décision : %(status)s.") % {"status": exclusion.get_status_display()},
        )
        _touch(ticket, status=TicketStatus.RESOLVED)


def close_join_request_tickets(membership: Membership) -> None:
    """The escalated request was answered (or cancelled): its ticket is resolved."""
    for ticket in Ticket.objects.unfinished().filter(
        membership=membership, kind=TicketKind.UNANSWERED_JOIN
    ):
        _event(
            ticket,
            membership.decided_by,
            _("Demande d'adhésion : %(status)s.") % {"status": membership.get_status_display()},
        )
        _touch(ticket, status=TicketStatus.RESOLVED)
