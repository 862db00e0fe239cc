"""Webhooks of the SMS providers: inbound messages and delivery reports.

The URL carries a secret (SMS_WEBHOOK_SECRET): our providers do not sign their calls. A
call without the right secret is refused and logged; a malformed body gets a 400 and
changes nothing.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from monquartier.core.parsing import parse_id
from monquartier.outbox.models import Channel, Delivery, DeliveryStatus
from monquartier.outbox.signals import sms_received
from monquartier.outbox.sms.base import WebhookError
from monquartier.outbox.sms.webhooks import PROVIDERS

logger = logging.getLogger(__name__)


def _authenticated(request, provider: str, secret: str):
    expected = settings.SMS_WEBHOOK_SECRET
    if not expected or not constant_time_compare(secret, expected):
        logger.warning(
            "SMS webhook refused: wrong secret (provider %r, from %s)",
            provider[:32],
            request.META.get("REMOTE_ADDR"),
        )
        return None
    backend = PROVIDERS.get(provider)
    if backend is None:
        raise Http404
    return backend


@csrf_exempt
@login_not_required
@require_POST
def inbound(request, provider: str, secret: str):
    backend = _authenticated(request, provider, secret)
    if backend is None:
        return HttpResponse(status=403)
    try:
        messages = backend.parse_inbound(request)
    except WebhookError as error:
        return JsonResponse({"error": str(error)}, status=400)
    sms_received.send(sender=inbound, provider=provider, messages=messages)
    return JsonResponse({"received": len(messages)})


def record_delivery_reports(reports, provider: str = "") -> int:
    """Apply providers' delivery reports to the outbox. A report never moves a row
    backwards (a late "pending" after "delivered" changes nothing). A provider's report
    only reaches the rows it sent (or rows sent before providers were recorded): two
    providers' ids could coincide."""
    updated = 0
    now = timezone.now()
    for report in reports:
        if report.status == "pending":
            continue
        rows = Delivery.objects.filter(
            channel=Channel.SMS, status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING]
        )
        if provider:
            rows = rows.filter(sms_provider__in=[provider, ""])
        if report.provider_id:
            rows = rows.filter(provider_id=report.provider_id)
        elif (delivery_id := parse_id(report.reference)) is not None:
            rows = rows.filter(pk=delivery_id)
        else:
            continue
        if report.status == "delivered":
            updated += rows.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        else:
            updated += rows.update(
                status=DeliveryStatus.FAILED, last_error=f"report: {report.detail}"[:500]
            )
    return updated


@csrf_exempt
@login_not_required
@require_POST
def delivery_reports(request, provider: str, secret: str):
    backend = _authenticated(request, provider, secret)
    if backend is None:
        return HttpResponse(status=403)
    try:
        reports = backend.parse_delivery_reports(request)
    except WebhookError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"updated": record_delivery_reports(reports, provider)})
