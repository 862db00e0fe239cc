from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from monquartier.alerts import (
    acknowledgements,
    audiences,
    escalation,
    feeds,
    holds,
    safeguards,
    services,
)
from monquartier.alerts.access import (
    follows_delivery,
    get_alert_for_reader,
    readable_community_ids,
)
from monquartier.alerts.forms import AlertForm, HeldDecisionForm, HideAlertForm
from monquartier.alerts.maps import place_map
from monquartier.alerts.models import AcknowledgementChannel, Alert, AlertRead
from monquartier.communities import pagecache
from monquartier.communities.access import open_membership
from monquartier.communities.models import Membership, Twinning
from monquartier.communities.privacy import alert_sender_name
from monquartier.core.pagecache import cached_page, live, shows_own_writes

ALERTS_PER_PAGE = 20


def _offline_cacheable(response):
    # The service worker keeps a copy for reading offline (see static/js/sw.js).
    response["X-Offline-Cacheable"] = "1"
    return response


@cached_page(pagecache.member_page)
def alert_list(request):
    own, readable = readable_community_ids(request.user)
    if own is None:
        membership = open_membership(request.user)
        return render(
            request,
            "alerts/no_community.html",
            {"membership": membership},
            status=403 if membership else 200,
        )
    alerts = (
        Alert.objects.visible()
        .filter(community_id__in=readable)
        .select_related("community", "sender", "corrects")
    )
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    read = set(
        AlertRead.objects.filter(user=request.user, alert__in=list(page)).values_list(
            "alert_id", flat=True
        )
    )
    context = {
        "page": page,
        "read": read,
        "own_community_id": own,
        # What the apps above add (the town hall's announcements), at the head of page 1.
        "feeds": feeds.shown_to(own) if page.number == 1 else [],
    }
    response = render(request, "alerts/list.html", context)
    return _offline_cacheable(response)


def launch(request, alert_id: int | None = None):
    membership = Membership.objects.active_for(request.user)
    if membership is None:
        raise PermissionDenied(
            _("Rejoignez d'abord la communauté de votre quartier pour lancer une alerte.")
        )
    corrects = None
    if alert_id is not None:
        corrects = get_object_or_404(
            Alert.objects.visible(),
            pk=alert_id,
            sender=request.user,
            community=membership.community,
        )
    form = AlertForm(
        request.POST or None, initial={"category": corrects.category} if corrects else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.send_alert(request.user, **form.cleaned_data, corrects=corrects)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Alerte envoyée à la communauté « %(name)s ».")
                % {"name": membership.community.name},
            )
            return redirect("alerts:detail", alert.pk)
    community = membership.community
    # The page says who receives the alert: the same rule as the fan-out (fanout.py).
    audience = {
        "has_twins": bool(Twinning.objects.partner_ids(community.pk)),
        "has_town_hall": audiences.TOWN_HALL in audiences.reaching(community),
    }
    return render(
        request,
        "alerts/launch.html",
        {"form": form, "community": community, "corrects": corrects, **audience},
    )


@cached_page(pagecache.alert_page)
def detail(request, alert_id: int):
    # A town hall's agent (from an alert's push or SMS) reads it in the console.
    if getattr(request.user, "is_town_hall_agent", False):
        console = audiences.alert_path_for(audiences.TOWN_HALL, alert_id)
        if console is not None:
            return redirect(console)
    alert, own_community = get_alert_for_reader(request.user, alert_id)
    # The sender gets none of their alert's messages: their visit is not a read.
    if own_community and alert.sender_id != request.user.pk:
        services.mark_read(alert, request.user)
        # The page shows it read: the next visit is answered from the cache.
        shows_own_writes(request)
    can_follow = follows_delivery(request.user, alert)
    if can_follow:
        # Its deliveries and escalation move by the second: kept a few seconds only.
        live(request)
    context = {
        "alert": alert,
        "corrections": alert.corrections.visible().select_related("sender"),
        "progress": services.progress(alert) if can_follow else None,
        "seen": acknowledgements.seen_by(request.user, alert, follows=can_follow),
        # Recipients acknowledge; the sender and staff only watch.
        "can_acknowledge": not alert.is_hidden
        and alert.sender_id != request.user.pk
        and not request.user.is_staff,
        "is_sender": alert.sender_id == request.user.pk,
        # The sender, the référents and staff see that nobody answered in time.
        "escalation": escalation.shown(alert, request.user) if can_follow else None,
        "hide_form": HideAlertForm() if request.user.is_staff else None,
        "alert_map": place_map(alert),
    }
    return _offline_cacheable(render(request, "alerts/detail.html", context))


# htmx stops polling on this status (and swaps in what comes with it).
HTMX_STOP_POLLING = 286


def progress(request, alert_id: int):
    """The delivery counts alone, refreshed by htmx while the alert goes out."""
    try:
        alert, _own = get_alert_for_reader(request.user, alert_id)
    except Http404:
        if not request.htmx:
            raise
        # Hidden by staff while its sender watched: say so once, instead of a 404 every 5 s.
        return HttpResponse(
            format_html(
                '<div id="alert-progress" class="progress"><p class="progress-status">{}</p></div>',
                _("Cette alerte a été retirée par l'équipe MonQuartier."),
            ),
            status=HTMX_STOP_POLLING,
        )
    if not follows_delivery(request.user, alert):
        raise PermissionDenied
    return render(
        request, "alerts/_progress.html", {"alert": alert, "progress": services.progress(alert)}
    )


@require_POST
def hide(request, alert_id: int):
    alert, _own = get_alert_for_reader(request.user, alert_id)
    form = HideAlertForm(request.POST)
    if form.is_valid():
        try:
            services.hide_alert(request.user, alert, form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("L'alerte est masquée."))
    return redirect("alerts:detail", alert.pk)


@require_POST
def acknowledge(request, alert_id: int):
    """The "J'ai vu" button."""
    alert, _own = get_alert_for_reader(request.user, alert_id)
    try:
        acknowledgements.acknowledge(request.user, alert, channel=AcknowledgementChannel.WEB)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, _("Merci : l'émetteur et les référents savent que vous l'avez vue.")
        )
    return redirect("alerts:detail", alert.pk)


def short_link(request, alert_id: int):
    return redirect("alerts:detail", alert_id)


HELD_SHOWN = 50


def _held_queue(user):
    """The held alerts this person decides on: staff, all; a référent, their community's
    (except their own); anyone else, none (PermissionDenied)."""
    alerts = Alert.objects.held().select_related("community", "sender").order_by("created_at")
    if user.is_staff:
        return alerts
    membership = Membership.objects.active_for(user)
    if membership is None or not membership.is_referent:
        raise PermissionDenied(_("Cette page est réservée aux référents et à l'équipe."))
    return alerts.filter(community_id=membership.community_id).exclude(sender=user)


def held(request):
    """The alerts held by the safeguards, to approve or reject (alerts/holds.py)."""
    alerts = list(_held_queue(request.user)[:HELD_SHOWN])
    lists = safeguards.matcher()
    for alert in alerts:
        alert.sender_name = alert_sender_name(alert.sender)
        alert.why = holds.explain_hold(alert, lists)
    return render(request, "alerts/held.html", {"alerts": alerts, "form": HeldDecisionForm()})


@require_POST
def decide_held(request, alert_id: int):
    alert = get_object_or_404(_held_queue(request.user), pk=alert_id)
    form = HeldDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez d'envoyer ou de refuser l'alerte."))
        return redirect("alerts:held")
    try:
        if form.cleaned_data["decision"] == HeldDecisionForm.APPROVE:
            holds.approve(request.user, alert)
            messages.success(request, _("L'alerte est envoyée à la communauté."))
        else:
            holds.reject(request.user, alert, form.cleaned_data["reason"])
            messages.success(request, _("L'alerte est refusée : son auteur est prévenu par SMS."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("alerts:held")
