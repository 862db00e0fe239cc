"""Writes to newsletters: the team's test send and send, and a member's unsubscribe."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.audit import log
from monquartier.audit.models import AuditEntry
from monquartier.core.flood import check_flood
from monquartier.newsletters.audience import recipients
from monquartier.newsletters.models import Newsletter
from monquartier.newsletters.outbox import newsletter_email
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.outbox.services import wake_senders
from monquartier.outbox.transports import EmailTransport, Failed

# Delivery.audience of the rows.
READERS = "newsletter"

_INSERT = (
    "INSERT INTO {delivery} (newsletter_id, user_id, address, channel, audience, due_at, "  # nosec B608
    "status, attempts, provider_id, last_error, created_at) "
    "SELECT %s, r.id, r.email, %s, %s, %s, %s, 0, '', '', %s FROM ({recipients}) AS r "
    "WHERE 1 = 1 ON CONFLICT DO NOTHING"
)


def _check_staff(staff: User) -> None:
    if not staff.is_staff:
        raise ValidationError(_("Seule l'équipe MonQuartier envoie la lettre d'information."))


def _check_draft(newsletter: Newsletter) -> None:
    if newsletter.sent_at is not None:
        raise ValidationError(
            _("Cette lettre est déjà partie le %(date)s : elle ne part qu'une fois.")
            % {"date": formats.date_format(timezone.localtime(newsletter.sent_at), "j F Y H:i")}
        )


def send_test(staff: User, newsletter: Newsletter) -> None:
    """The letter as members will get it, to the staff member's own address, at once."""
    _check_staff(staff)
    _check_draft(newsletter)
    if not staff.email:
        raise ValidationError(_("Votre compte n'a pas d'adresse e-mail pour recevoir l'essai."))
    check_flood(
        AuditEntry.objects.filter(actor=staff, action="newsletter.test_send"),
        "newsletter_test",
        _("Vous avez envoyé %(count)s essais en peu de temps : réessayez dans une heure."),
    )
    sent_at = timezone.now()
    domain = staff.email.rsplit("@", 1)[-1]
    email = newsletter_email(
        newsletter,
        staff,
        to=staff.email,
        message=f"<newsletter-{newsletter.pk}-test-{int(sent_at.timestamp())}@{domain}>",
    )
    [outcome] = EmailTransport().send([email])
    if isinstance(outcome, Failed):
        raise ValidationError(
            _("L'essai n'est pas parti (%(detail)s). Réessayez dans un moment.")
            % {"detail": outcome.detail}
        )
    with transaction.atomic(durable=True):
        Newsletter.objects.filter(pk=newsletter.pk).update(test_sent_at=sent_at)
        log.record(staff, "newsletter.test_send", target=newsletter, details={"to": staff.email})
    newsletter.test_sent_at = sent_at


def _write_deliveries(newsletter: Newsletter) -> int:
    """One outbox row per recipient, written by the database in one INSERT … SELECT; the
    unique key (newsletter, user, channel) makes a repeat write nothing."""
    query = recipients(newsletter).order_by().values("id", "email").query
    recipients_sql, recipients_parameters = query.sql_with_params()
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = _INSERT.format(
        delivery=connection.ops.quote_name(Delivery._meta.db_table), recipients=recipients_sql
    )
    parameters = [
        newsletter.pk,
        Channel.EMAIL,
        READERS,
        now_db,
        DeliveryStatus.QUEUED,
        now_db,
        *recipients_parameters,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.rowcount


@transaction.atomic(durable=True)
def send_newsletter(staff: User, newsletter_id: int) -> Newsletter:
    """Queue the letter for every recipient, once: the row lock and `sent_at` make a
    second click, a second tab or a second admin wait and then find it sent."""
    _check_staff(staff)
    newsletter = (
        Newsletter.objects.select_for_update(of=("self",))
        .select_related("commune")
        .get(pk=newsletter_id)
    )
    _check_draft(newsletter)
    if newsletter.test_sent_at is None or newsletter.test_sent_at < newsletter.updated_at:
        raise ValidationError(
            _("Envoyez-vous d'abord un essai de la dernière version, et relisez-le.")
        )
    count = _write_deliveries(newsletter)
    newsletter.sent_at = timezone.now()
    newsletter.sent_by = staff
    newsletter.recipient_count = count
    # update(): updated_at keeps the last edit, not the send.
    Newsletter.objects.filter(pk=newsletter.pk).update(
        sent_at=newsletter.sent_at, sent_by=staff, recipient_count=count
    )
    log.record(
        staff,
        "newsletter.send",
        target=newsletter,
        details={
            "title": newsletter.title,
            "audience": newsletter.audience,
            "commune": newsletter.commune.slug if newsletter.commune else None,
            "recipients": count,
        },
    )
    if count:
        wake_senders([Channel.EMAIL], copies=min(4, 1 + count // 2000))
    return newsletter


def unsubscribe(user_id: int) -> bool:
    """Stop the letter for this member; True if they were subscribed. Any queued letter
    then stays unsent (outbox.obsolete)."""
    return bool(User.objects.filter(pk=user_id, newsletter=True).update(newsletter=False))
