"""Reports and their outcome. A report changes nothing by itself: staff decide, in the
moderation queue, to hide the item, to dismiss the report, or to ask for the author's
exclusion; the reporter is told which."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.audit import log as audit_log
from monquartier.moderation import content
from monquartier.moderation.models import (
    ExclusionRequest,
    ExclusionStatus,
    Report,
    ReportReason,
    ReportStatus,
)
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify


def report(reporter, kind: str, object_id: int, *, reason: str, details: str = "") -> Report:
    target = content.target_for_reporter(reporter, kind, object_id)
    if target.author is not None and target.author.pk == reporter.pk:
        raise ValidationError(_("On ne signale pas son propre contenu."), code="own")
    if reason not in ReportReason.values:
        raise ValidationError(_("Choisissez un motif."), code="reason")
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                kind=kind,
                object_id=object_id,
                author=target.author,
                community=target.community,
                reason=reason,
                details=(details or "").strip()[:1000],
                excerpt=target.excerpt,
            )
    except IntegrityError:
        raise ValidationError(
            _("Vous avez déjà signalé ce contenu : l'équipe l'examine."), code="duplicate"
        ) from None


def _open_reports(report_: Report, staff) -> list[Report]:
    if not staff.is_staff:
        raise PermissionDenied(_("Seule l'équipe MonQuartier traite les signalements."))
    # Deciding one report decides every open report of the same item.
    return list(
        Report.objects.select_for_update().filter(
            kind=report_.kind, object_id=report_.object_id, status=ReportStatus.OPEN
        )
    )


def _close(reports: list[Report], staff, status: str, note: str) -> None:
    now = timezone.now()
    for item in reports:
        item.status, item.decided_by, item.decided_at, item.staff_note = status, staff, now, note
    Report.objects.bulk_update(reports, ["status", "decided_by", "decided_at", "staff_note"])
    audit_log.record(
        staff,
        f"report.{status}",
        member=reports[0].author,
        target=f"{reports[0].kind}:{reports[0].object_id}",
        reason=note,
        details={"reports": [item.pk for item in reports]},
    )
    for item in reports:
        notify(
            [item.reporter],
            kind=NotificationKind.PLATFORM,
            event="report_decided",
            outcome=str(ReportStatus(status).label),
            item=item.get_kind_display(),
        )


@transaction.atomic
def hide_reported_item(staff, report_: Report, note: str = "") -> None:
    reports = _open_reports(report_, staff)
    if not reports:
        raise ValidationError(_("Ce signalement est déjà traité."), code="decided")
    content.hide(report_.kind, report_.object_id, staff, note or _("masqué après signalement"))
    _close(reports, staff, ReportStatus.HIDDEN, note)


@transaction.atomic
def dismiss(staff, report_: Report, note: str = "") -> None:
    reports = _open_reports(report_, staff)
    if not reports:
        raise ValidationError(_("Ce signalement est déjà traité."), code="decided")
    _close(reports, staff, ReportStatus.DISMISSED, note)


@transaction.atomic
def request_author_exclusion(staff, report_: Report, note: str = "") -> ExclusionRequest:
    """Open an exclusion request for the author (decided in the exclusion queue)."""
    reports = _open_reports(report_, staff)
    if not reports:
        raise ValidationError(_("Ce signalement est déjà traité."), code="decided")
    if report_.author is None or report_.community is None:
        raise ValidationError(_("L'auteur n'est plus membre d'une communauté."), code="no_member")
    exclusion, _created = ExclusionRequest.objects.get_or_create(
        community=report_.community,
        member=report_.author,
        status=ExclusionStatus.PENDING,
        defaults={
            "requested_by": staff,
            "reason": _("Après signalement : %(excerpt)s") % {"excerpt": report_.excerpt[:200]},
        },
    )
    _close(reports, staff, ReportStatus.EXCLUSION, note)
    return exclusion
