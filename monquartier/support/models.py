"""The support desk: tickets, their thread, and the e-mails the desk sends."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX = 4000


class TicketKind(models.TextChoices):
    QUESTION = "question", _("Une question")
    IDENTITY_THEFT = "identity_theft", _("Quelqu'un se fait passer pour moi ou pour un voisin")
    UNANSWERED_JOIN = "unanswered_join", _("Ma demande d'adhésion attend depuis plus de 15 jours")
    RURAL_AREA = "rural_area", _("Ma communauté rurale a besoin d'une zone plus grande")
    OVERLAP = "overlap", _("Ma communauté chevauche une autre communauté")
    MERGE = "merge", _("Fusionner deux communautés")
    COMMUNE_NAME = "commune_name", _("Le nom d'une commune est faux")
    TOWN_HALL = "town_hall", _("Une mairie souhaite rejoindre MonQuartier")
    OTHER = "other", _("Autre chose")
    # Opened by the platform, never chosen in the contact form.
    EXCLUSION = "exclusion", _("Demande d'exclusion d'un référent")


# What the contact form offers, in its order.
CONTACT_KINDS = [kind for kind in TicketKind if kind != TicketKind.EXCLUSION]


class TicketStatus(models.TextChoices):
    NEW = "new", _("nouvelle")
    OPEN = "open", _("en cours")
    WAITING = "waiting", _("en attente de réponse")
    RESOLVED = "resolved", _("résolue")
    CLOSED = "closed", _("fermée")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def unfinished(self) -> "TicketQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def of_requester(self, user) -> "TicketQuerySet":
        return self.filter(requester=user)


class Ticket(models.Model):
    """One request to the team: from the contact form, or opened by the platform when a
    join request waits 15 days or a référent asks for an exclusion.

    The requester is a member (`requester`) or a visitor, known by the name and the
    e-mail or phone they typed. `facts` keeps what the form asked for this kind (who is
    impersonated, the community's name…), by field name; the related objects are set
    when the platform knows them.
    """

    kind = models.CharField(_("sujet"), max_length=20, choices=TicketKind.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("demandeur"),
    )
    visitor_name = models.CharField(_("nom du visiteur"), max_length=120, blank=True)
    visitor_email = models.EmailField(_("e-mail du visiteur"), blank=True)
    visitor_phone = models.CharField(_("téléphone du visiteur"), max_length=20, blank=True)
    # Visitors' flood limit: a keyed hash of the address, never the address itself.
    source_hash = models.CharField(
        _("empreinte de l'adresse réseau"), max_length=32, blank=True, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        verbose_name=_("suivie par"),
    )
    facts = models.JSONField(_("précisions"), default=dict, blank=True)
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("communauté"),
    )
    membership = models.ForeignKey(
        "communities.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demande d'adhésion"),
    )
    exclusion = models.ForeignKey(
        "moderation.ExclusionRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demande d'exclusion"),
    )
    report = models.ForeignKey(
        "moderation.Report",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signalement"),
    )
    # The account said to impersonate someone (identity theft), once staff know it.
    impersonator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte usurpateur"),
    )
    # The visitor's reply links carry it: a new key voids the links sent before.
    reply_key = models.UUIDField(_("clé des liens de réponse"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("mise à jour le"), default=timezone.now)
    resolved_at = models.DateTimeField(_("résolue le"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("demande d'aide")
        verbose_name_plural = _("demandes d'aide")
        indexes = [models.Index(fields=["status", "-updated_at"], name="ticket_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(requester__isnull=False)
                | ~Q(visitor_email="")
                | ~Q(visitor_phone="")
                | Q(membership__isnull=False)
                | Q(exclusion__isnull=False),
                name="ticket_has_someone_to_answer",
            ),
            # One ticket per escalated join request and per exclusion request.
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(membership__isnull=False, kind="unanswered_join"),
                name="one_ticket_per_escalated_request",
            ),
            models.UniqueConstraint(
                fields=["exclusion"],
                condition=Q(exclusion__isnull=False),
                name="one_ticket_per_exclusion",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status not in OPEN_STATUSES


class MessageKind(models.TextChoices):
    REQUESTER = "requester", _("message du demandeur")
    REPLY = "reply", _("réponse de l'équipe")
    NOTE = "note", _("note interne")
    # What happened to the ticket (assigned, account suspended…), for staff.
    EVENT = "event", _("événement")


# What the requester may read of their ticket's thread.
PUBLIC_KINDS = (MessageKind.REQUESTER, MessageKind.REPLY)


def _attachment_path(instance: "TicketMessage", filename: str) -> str:
    # Random names, outside any public location: support.views.attachment checks who asks.
    extension = ".pdf" if filename.endswith(".pdf") else ".jpg"
    return f"support/{uuid.uuid4().hex}{extension}"


class TicketMessageQuerySet(models.QuerySet["TicketMessage"]):
    def public(self) -> "TicketMessageQuerySet":
        return self.filter(kind__in=PUBLIC_KINDS)


class TicketMessage(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("demande")
    )
    kind = models.CharField(_("type"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body = models.TextField(_("message"), max_length=BODY_MAX)
    attachment = models.FileField(_("pièce jointe"), upload_to=_attachment_path, blank=True)
    attachment_name = models.CharField(_("nom de la pièce jointe"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = TicketMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message d'une demande")
        verbose_name_plural = _("messages des demandes")

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_KINDS


class EmailPurpose(models.TextChoices):
    RECEIVED = "received", _("accusé de réception")
    REPLY = "reply", _("réponse de l'équipe")
    IMPERSONATION_STOPPED = "impersonation_stopped", _("usurpation arrêtée")
    ACCOUNT_SUSPENDED = "account_suspended", _("compte suspendu")
    ACCOUNT_RESTORED = "account_restored", _("compte rétabli")
    ACCOUNT_CLOSED = "account_closed", _("compte fermé")


class SupportEmail(models.Model):
    """An e-mail of the desk, carried by an outbox row (outbox/sources.py).

    The recipient is kept here because the desk also writes to people who are not
    members (visitors) or may no longer receive notifications (a suspended account).
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="emails", verbose_name=_("demande")
    )
    purpose = models.CharField(_("objet"), max_length=24, choices=EmailPurpose.choices)
    message = models.ForeignKey(
        TicketMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destinataire"),
    )
    address = models.EmailField(_("adresse"))
    language = models.CharField(_("langue"), max_length=8, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail de l'assistance")
        verbose_name_plural = _("e-mails de l'assistance")

    def __str__(self) -> str:
        return f"{self.ticket} → {self.get_purpose_display()}"
