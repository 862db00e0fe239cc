"""The development outbox: every e-mail, SMS and call the development backends "sent"."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from monquartier.outbox.models import Channel, DevOutboxMessage


def _check_dev_outbox_access(request) -> None:
    # The demo shows its outbox to anyone; a real deployment only to staff (and its
    # production backends never write to it anyway).
    if not (settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)):
        raise Http404


@login_not_required
def dev_outbox(request):
    _check_dev_outbox_access(request)
    messages_ = DevOutboxMessage.objects.all()
    channel = request.GET.get("canal")
    if channel in ("email", "sms", "voice"):
        messages_ = messages_.filter(channel=channel)
    page = Paginator(messages_, 30).get_page(request.GET.get("page"))
    return render(request, "outbox/dev_outbox.html", {"page": page, "channel": channel})


@login_not_required
def dev_outbox_html(request, message_id: int):
    """An e-mail's HTML part, alone and sandboxed: it can neither run scripts nor reach
    this site's cookies."""
    _check_dev_outbox_access(request)
    message = get_object_or_404(DevOutboxMessage, pk=message_id, channel=Channel.EMAIL)
    response = HttpResponse(message.html or "<p>(pas de version HTML)</p>")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    return response
