"""The communities' periodic jobs: birthdays, reminders of waiting join requests, and
their escalation to staff. The scheduler (outbox/scheduler.py) runs them; each
takes its period ("2026-11-23") and is safe to run twice for the same period."""

from datetime import date, time

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from monquartier.accounts.models import User
from monquartier.communities import commune_rules, privacy
from monquartier.communities.models import (
    ESCALATION_AFTER,
    Community,
    Membership,
    MembershipStatus,
    ValidationMode,
)
from monquartier.communities.signals import join_requests_escalated
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox import scheduler
from monquartier.outbox.scheduler import Job


def _birthday_filter(day: date) -> Q:
    condition = Q(profile__birth_date__month=day.month, profile__birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not _is_leap(day.year):
        # Born on 29 February: celebrated on the 28th in common years.
        condition |= Q(profile__birth_date__month=2, profile__birth_date__day=29)
    return condition


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthdays(period: str) -> str:
    day = date.fromisoformat(period)
    people = (
        User.objects.filter(
            _birthday_filter(day),
            memberships__status=MembershipStatus.ACTIVE,
            closed_at__isnull=True,
        )
        .select_related("profile")
        .annotate(
            community_id=Min(
                "memberships__community_id", filter=Q(memberships__status=MembershipStatus.ACTIVE)
            )
        )
    )
    told = 0
    for person in people:
        community = Community.objects.get(pk=person.community_id)
        neighbours = User.objects.filter(
            memberships__community=community, memberships__status=MembershipStatus.ACTIVE
        ).exclude(pk=person.pk)
        told += len(
            privacy.notify_about(
                person,
                neighbours,
                name_key="member",
                kind=NotificationKind.BIRTHDAY,
                event="birthday",
                community=community,
                actor=person,
                url=reverse("communities:member", args=[community.pk, person.pk]),
            )
        )
    return f"{told} birthday notifications"


def join_reminders(period: str) -> str:
    """A daily reminder to the référents while requests are waiting (not those sent today)."""
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = (
        Membership.objects.pending()
        .filter(
            requested_at__lt=today_start,
            community__validation_mode=ValidationMode.REFERENTS,
            escalated_at__isnull=True,
        )
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    reminded = 0
    for row in waiting:
        community = Community.objects.get(pk=row["community_id"])
        referents = User.objects.filter(
            memberships__community=community,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__is_referent=True,
        )
        notify(
            referents,
            kind=NotificationKind.JOIN_REQUEST,
            event="join_reminder",
            community=community,
            url=reverse("communities:requests", args=[community.pk]),
            count=row["count"],
        )
        reminded += 1
    return f"{reminded} communities reminded" + _remind_communes(today_start)


def _remind_communes(today_start) -> str:
    """Where the commune's town hall validates itself, its deciders (commune_rules) get
    one reminder for all the requests waiting in the commune."""
    waiting = (
        Membership.objects.pending()
        .filter(
            requested_at__lt=today_start,
            community__validation_mode=ValidationMode.TOWN_HALL,
            escalated_at__isnull=True,
        )
        .values("community__commune_id")
        .annotate(count=Count("pk"))
    )
    reminded = 0
    for row in waiting:
        people, url = commune_rules.deciders(row["community__commune_id"])
        if not people:
            continue
        notify(
            people,
            kind=NotificationKind.JOIN_REQUEST,
            event="join_reminder_commune",
            url=url,
            count=row["count"],
        )
        reminded += 1
    return f", {reminded} communes reminded" if reminded else ""


def escalate_join_requests(period: str) -> str:
    """Requests unanswered for ESCALATION_AFTER go to staff (the admin queue lists them too)."""
    cutoff = timezone.now() - ESCALATION_AFTER
    late = list(
        Membership.objects.pending()
        .filter(requested_at__lte=cutoff, escalated_at__isnull=True)
        .select_related("user", "community")
    )
    staff = list(User.objects.filter(is_staff=True, is_active=True))
    for membership in late:
        privacy.notify_about(
            membership.user,
            staff,
            name_key="applicant",
            kind=NotificationKind.JOIN_REQUEST,
            event="join_escalated",
            community=membership.community,
            url=reverse("admin:communities_pendingrequest_changelist") + "?attente=escalated",
        )
    Membership.objects.filter(pk__in=[membership.pk for membership in late]).update(
        escalated_at=timezone.now()
    )
    join_requests_escalated.send(sender=Membership, memberships=late)
    return f"{len(late)} requests escalated"


def register() -> None:
    scheduler.register(
        Job("birthdays", birthdays, daily_at=time(8, 0)),
        Job("join_reminders", join_reminders, daily_at=time(9, 0)),
        Job("escalate_join_requests", escalate_join_requests, daily_at=time(9, 30)),
    )
