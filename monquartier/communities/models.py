from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monquartier.places.models import Commune

# The escalation delay a référent may choose (minutes).
ACKNOWLEDGEMENT_MINUTES_MIN, ACKNOWLEDGEMENT_MINUTES_MAX = 2, 120


class ValidationMode(models.TextChoices):
    REFERENTS = "referents", _("par les référents")
    STAFF = "staff", _("par l'équipe MonQuartier")
    # Only where the commune's partner town hall chose to validate itself.
    TOWN_HALL = "townhall", _("par la mairie partenaire")


class CommunityQuerySet(models.QuerySet):
    def twinned_with(self, community_id: int) -> "CommunityQuerySet":
        """The communities actively twinned with this one."""
        return self.filter(pk__in=Twinning.objects.partner_ids(community_id))

    def with_member_count(self) -> "CommunityQuerySet":
        return self.annotate(
            member_count=models.Count(
                "memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)
            )
        )


class Community(models.Model):
    """A named area of at most 1 km² (unless staff grant a rural exemption).

    The area is a GeoJSON Polygon in WGS84 (longitude, latitude). Its bounding box is
    kept in indexed columns and in CommunityCell rows, so that finding the community that
    contains a point, or those an area might overlap, reads a handful of rows.
    """

    name = models.CharField(_("nom"), max_length=80)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="communities", verbose_name=_("commune")
    )
    area = models.JSONField(_("périmètre (GeoJSON)"))
    area_m2 = models.FloatField(_("surface (m²)"))
    min_latitude = models.FloatField(_("latitude minimale"), db_index=True)
    max_latitude = models.FloatField(_("latitude maximale"))
    min_longitude = models.FloatField(_("longitude minimale"), db_index=True)
    max_longitude = models.FloatField(_("longitude maximale"))
    centre_latitude = models.FloatField(_("latitude du centre"))
    centre_longitude = models.FloatField(_("longitude du centre"))
    validation_mode = models.CharField(
        _("validation des adhésions"),
        max_length=16,
        choices=ValidationMode.choices,
        default=ValidationMode.REFERENTS,
    )
    rural_exemption = models.BooleanField(
        _("dérogation rurale (surface non plafonnée)"),
        default=False,
        help_text=_("Accordée par l'équipe : lève la limite de 1 km²."),
    )
    # The exemption's ceiling, set by staff with it (staffops); None: no ceiling but the
    # RURAL_MAX_SPAN_M bounding box every area keeps.
    rural_max_area_m2 = models.FloatField(
        _("surface maximale de la dérogation (m²)"), null=True, blank=True
    )
    public_page = models.BooleanField(_("page publique activée"), default=False)
    presentation = models.TextField(_("présentation publique"), max_length=1000, blank=True)
    # An alert nobody in the community acknowledged after this many minutes is escalated:
    # the référents are called or sent an SMS, then, as long again later, the town hall and
    # the police (alerts/escalation.py).
    acknowledgement_minutes = models.PositiveSmallIntegerField(
        _("délai avant escalade (minutes)"),
        default=10,
        validators=[
            MinValueValidator(ACKNOWLEDGEMENT_MINUTES_MIN),
            MaxValueValidator(ACKNOWLEDGEMENT_MINUTES_MAX),
        ],
        help_text=_(
            "Si personne n'a dit « J'ai vu » après ce délai, les référents sont appelés ; "
            "après le double, la mairie et la police."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("communauté")
        verbose_name_plural = _("communautés")
        indexes = [
            # With the id, a commune's communities are read from the index alone (the
            # town hall's pages join a commune's communities to their members); the
            # console's list, by name then id, comes in its order.
            models.Index(fields=["commune", "name", "id"], name="community_commune_name_id")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def registers_neighbours_from(self):
        """When its référents may register neighbours without internet: a community made
        in a minute must not become an SMS cannon (docs/decisions.md)."""
        return self.created_at + timedelta(days=settings.NEIGHBOUR_REGISTRATION_AFTER_DAYS)


class CommunityCell(models.Model):
    """One grid cell (0.01° of latitude and longitude, about 1.1 km) that a community's
    bounding box touches. A point falls in exactly one cell, so the candidates for
    "which community contains this point" are the rows of that cell: one index lookup,
    whatever the number of communities."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="cells")
    x = models.IntegerField()
    y = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["x", "y", "community"], name="community_cell_unique")
        ]

    def __str__(self) -> str:
        return f"({self.x}, {self.y}) → {self.community_id}"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("demande en attente")
    ACTIVE = "active", _("membre")
    REFUSED = "refused", _("demande refusée")
    CANCELLED = "cancelled", _("demande annulée")
    LEFT = "left", _("parti")
    EXCLUDED = "excluded", _("exclu")


OPEN_STATUSES = (MembershipStatus.PENDING, MembershipStatus.ACTIVE)
# A join request unanswered this long goes to staff (communities/jobs.py, the admin).
ESCALATION_AFTER = timedelta(days=15)


class MembershipQuerySet(models.QuerySet):
    def active(self) -> "MembershipQuerySet":
        return self.filter(status=MembershipStatus.ACTIVE)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=MembershipStatus.PENDING)

    def open(self) -> "MembershipQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def referents(self) -> "MembershipQuerySet":
        return self.active().filter(is_referent=True)

    def active_of(self, user) -> "MembershipQuerySet":
        """The user's active membership, as a queryset (at most one row)."""
        return self.active().filter(user=user)

    def active_for(self, user) -> "Membership | None":
        """The user's active membership with its community, or None: "the member's
        active community" is `Membership.objects.active_for(user).community`."""
        return self.active_of(user).select_related("community").first()

    def active_community_id(self, user) -> int | None:
        """The id of the user's community (active membership), or None, in one query
        (none when this request's page cache already asked: pagecache.own_community_id)."""
        if hasattr(user, "_active_community_id"):
            return user._active_community_id
        return self.active_of(user).values_list("community_id", flat=True).first()

    def community_left_empty_by(self, user) -> "Community | None":
        """The community whose last active member is `user`: their departure (or the
        closing of their account) deletes it. None if others remain."""
        membership = self.active_for(user)
        if membership is None:
            return None
        others = self.active().filter(community=membership.community_id).exclude(user=user)
        return None if others.exists() else membership.community


class Membership(models.Model):
    """A person's tie to a community, from the join request to the departure.

    At most one open (pending or active) membership per person: one community per
    account. Ended memberships stay, for the history.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("membre"),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("communauté"),
    )
    status = models.CharField(
        _("statut"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    is_referent = models.BooleanField(_("référent"), default=False)
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    joined_at = models.DateTimeField(_("membre depuis"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    refusal_reason = models.TextField(_("motif du refus"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    # Set when a request unanswered for ESCALATION_AFTER was passed on to staff.
    escalated_at = models.DateTimeField(_("transmise à l'équipe le"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscrit par"),
        help_text=_("Le référent qui a inscrit ce voisin sans internet."),
    )
    # The member's "last name first name", copied here so that the directory's page of 30
    # comes straight from an index on (community, name) instead of sorting every member of
    # the community by a column of another table. Kept in step by directory_name_for() on
    # creation and by communities.signals when the user's name changes.
    directory_name = models.CharField(
        _("nom dans l'annuaire"), max_length=121, blank=True, editable=False
    )

    objects = MembershipQuerySet.as_manager()
    # The member's name as one viewer sees it (privacy.name_memberships), not a column.
    name: str

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_membership_per_user",
            ),
            models.CheckConstraint(
                condition=Q(is_referent=False) | Q(status=MembershipStatus.ACTIVE),
                name="referents_are_active_members",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="membership_community_status"),
            models.Index(fields=["status", "requested_at"], name="membership_status_requested"),
            models.Index(
                fields=["community", "directory_name", "id"],
                condition=Q(status=MembershipStatus.ACTIVE),
                name="membership_directory",
            ),
            # The town hall's console and dashboard: a community's newcomers since a date
            # (status read from the index) and its members at the end of each month
            # (joined and ended read from the index, no table row).
            models.Index(
                fields=["community", "joined_at", "ended_at", "status"],
                condition=Q(joined_at__isnull=False),
                name="membership_community_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.directory_name:
            self.directory_name = directory_name_for(self.user)
        super().save(*args, **kwargs)


def directory_name_for(user) -> str:
    """The directory's sort key of a member: last name, then first name."""
    return f"{user.last_name} {user.first_name}".strip()


class MovementKind(models.TextChoices):
    CREATED = "created", _("création de la communauté")
    JOIN_REQUESTED = "join_requested", _("demande d'adhésion")
    JOIN_CANCELLED = "join_cancelled", _("demande annulée")
    JOIN_REFUSED = "join_refused", _("demande refusée")
    ARRIVAL = "arrival", _("arrivée")
    PROXY_REGISTRATION = "proxy_registration", _("inscription par un référent")
    DEPARTURE = "departure", _("départ")
    ACCOUNT_CLOSED = "account_closed", _("compte fermé")
    EXCLUSION = "exclusion", _("exclusion")
    REFERENT_ADDED = "referent_added", _("nouveau référent")
    REFERENT_REMOVED = "referent_removed", _("fin du rôle de référent")
    REFERENT_RESIGNED = "referent_resigned", _("référent qui se retire")
    BOUNDARY_CHANGED = "boundary_changed", _("délimitation modifiée")
    MERGED = "merged", _("fusion de communautés")
    RURAL_EXEMPTION = "rural_exemption", _("dérogation rurale")
    RENAMED = "renamed", _("nouveau nom")
    TWINNING_REQUESTED = "twinning_requested", _("demande de jumelage")
    TWINNING_STARTED = "twinning_started", _("jumelage")
    TWINNING_DECLINED = "twinning_declined", _("jumelage refusé")
    TWINNING_ENDED = "twinning_ended", _("fin de jumelage")


class Movement(models.Model):
    """One line of a community's history, visible to its members."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="movements", verbose_name=_("communauté")
    )
    kind = models.CharField(_("type"), max_length=24, choices=MovementKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fait par"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre"),
    )
    other_community = models.ForeignKey(
        Community,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("autre communauté"),
    )
    detail = models.CharField(_("détail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mouvement")
        verbose_name_plural = _("mouvements")
        indexes = [
            models.Index(fields=["community", "-created_at", "-id"], name="movement_history")
        ]

    def __str__(self) -> str:
        return f"{self.community}: {self.get_kind_display()}"


class TwinningStatus(models.TextChoices):
    REQUESTED = "requested", _("demandé")
    ACTIVE = "active", _("actif")
    DECLINED = "declined", _("refusé")
    ENDED = "ended", _("terminé")


class TwinningQuerySet(models.QuerySet):
    def active(self) -> "TwinningQuerySet":
        return self.filter(status=TwinningStatus.ACTIVE)

    def involving(self, community: Community) -> "TwinningQuerySet":
        return self.filter(Q(requester=community) | Q(partner=community))

    def partner_ids(self, community_id: int) -> list[int]:
        """The communities actively twinned with this one, sorted, in one query."""
        pairs = (
            self.active()
            .filter(Q(requester_id=community_id) | Q(partner_id=community_id))
            .values_list("requester_id", "partner_id")
        )
        return sorted(
            partner if requester == community_id else requester for requester, partner in pairs
        )


class Twinning(models.Model):
    """A link between two nearby communities, asked by a référent of the requester and
    accepted by a référent of the partner."""

    requester = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="twinnings_asked",
        verbose_name=_("communauté demandeuse"),
    )
    partner = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="twinnings_received",
        verbose_name=_("communauté partenaire"),
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=TwinningStatus.choices, default=TwinningStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terminé par"),
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    objects = TwinningQuerySet.as_manager()

    class Meta:
        verbose_name = _("jumelage")
        verbose_name_plural = _("jumelages")
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=models.F("partner")), name="twinning_two_communities"
            ),
            # One open (requested or active) twinning per pair, whichever side asked: the
            # service locks both communities and checks the reverse direction.
            models.UniqueConstraint(
                fields=["requester", "partner"],
                condition=Q(status__in=[TwinningStatus.REQUESTED, TwinningStatus.ACTIVE]),
                name="one_open_twinning_per_direction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} ↔ {self.partner}"

    def other_side(self, community: Community) -> Community:
        return self.partner if community.pk == self.requester_id else self.requester
