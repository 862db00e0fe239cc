"""Messaging pages: every view fetches through access.py (or services.writer_membership)
first; writes go through services.py."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from monquartier.communities import pagecache, privacy
from monquartier.communities.access import open_membership
from monquartier.core.pagecache import cached_page, shows_own_writes
from monquartier.core.parsing import parse_id
from monquartier.messaging import access, services
from monquartier.messaging.forms import MessageForm
from monquartier.messaging.models import Participant

CONVERSATIONS_PER_PAGE = 20
MESSAGES_PER_PAGE = 30
PEOPLE_PER_PAGE = 20


def _not_a_member(request):
    """Pending members are told to wait, people with no community how to join."""
    membership = open_membership(request.user)
    return render(request, "messaging/no_community.html", {"membership": membership}, status=403)


@cached_page(pagecache.personal_page)
def conversation_list(request):
    membership = services.writer_membership(request.user)
    if membership is None:
        return _not_a_member(request)
    seats = Participant.objects.filter(user=request.user).with_summary()
    page = Paginator(seats, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    mine = list(page)
    # Everyone in the page's conversations, and their communities: two queries whatever
    # the number of conversations or participants.
    everyone = list(
        Participant.objects.filter(conversation_id__in=[seat.conversation_id for seat in mine])
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    users = {seat.user_id: seat.user for seat in everyone}
    seen_as = privacy.names_seen_by(request.user, users.values())
    others = defaultdict(list)
    for seat in everyone:
        if seat.user_id != request.user.pk:
            others[seat.conversation_id].append(seen_as[seat.user_id])
    rows = [
        {
            "seat": seat,
            "others": ", ".join(others[seat.conversation_id]),
            "last_sender": _("Vous")
            if seat.last_sender_id == request.user.pk
            else seen_as.get(seat.last_sender_id, ""),
        }
        for seat in mine
    ]
    return render(request, "messaging/list.html", {"page": page, "rows": rows})


@cached_page(pagecache.personal_page)
def conversation(request, conversation_id: int):
    conversation, seat = access.get_conversation_for_participant(request.user, conversation_id)
    form = MessageForm(request.POST or None, label=_("Votre réponse"))
    if request.method == "POST" and form.is_valid():
        try:
            message = services.reply(request.user, conversation, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Message envoyé."))
            return redirect(f"{services.conversation_url(conversation.pk)}#m{message.pk}")
    services.mark_read(seat, conversation.last_message_at)
    # The page that follows shows it read (its unread counts): the next visit is a hit.
    shows_own_writes(request)
    thread = conversation.messages.order_by("-id")
    before = parse_id(request.GET.get("avant"))
    if before is not None:
        thread = thread.filter(pk__lt=before)
    batch = list(thread[: MESSAGES_PER_PAGE + 1])
    older = batch[MESSAGES_PER_PAGE - 1].pk if len(batch) > MESSAGES_PER_PAGE else None
    batch = batch[:MESSAGES_PER_PAGE][::-1]  # oldest first
    seats = list(conversation.participants.select_related("user").order_by("joined_at", "pk"))
    seen_as = privacy.names_seen_by(request.user, [item.user for item in seats])
    for message in batch:
        message.sender_name = seen_as.get(message.sender_id, "")
        message.is_mine = message.sender_id == request.user.pk
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conversation,
            "thread": batch,
            "older": older,
            "is_older_page": before is not None,
            "others": [seen_as[item.user_id] for item in seats if item.user_id != request.user.pk],
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _person(item, viewpoint: privacy.Viewpoint) -> dict:
    """One of recipients_open_to()'s memberships, as the sender sees them."""
    twinned = item.community_id != viewpoint.community_id
    return {
        "user_id": item.user_id,
        "name": viewpoint.name_of(item.user, privacy.Ties(item.community_id)),
        "community": item.community.name if twinned else "",
    }


def _people_page(request, membership, chosen_ids, query: str, page_number):
    people = services.recipients_open_to(request.user, membership).exclude(user_id__in=chosen_ids)
    people = services.search_recipients(people, membership.community_id, query)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(page_number)
    viewpoint = privacy.Viewpoint.of(request.user, membership)
    return page, [_person(item, viewpoint) for item in page]


def _picker_context(request, membership, raw_ids, *, query="", page_number=None, adding=None):
    chosen, problems = services.choose_recipients(request.user, raw_ids, membership)
    chosen_ids = [item.user_id for item in chosen]
    viewpoint = privacy.Viewpoint.of(request.user, membership)
    added = next((item for item in chosen if str(item.user_id) == (adding or "").strip()), None)
    announcement = ""
    if added is not None:
        announcement = _("Ajouté aux destinataires : %(name)s") % {
            "name": _person(added, viewpoint)["name"]
        }
        # Ready for the next name.
        query, page_number = "", None
    page, people = _people_page(request, membership, chosen_ids, query, page_number)
    return {
        "chosen": [_person(item, viewpoint) for item in chosen],
        "recipient_errors": [message for problem in problems for message in problem.messages],
        "max_recipients": services.MAX_RECIPIENTS,
        "is_full": len(chosen) >= services.MAX_RECIPIENTS,
        "query": query,
        "people_page": page,
        "people": people,
        "announcement": announcement,
        "just_added": bool(announcement),
    }


def compose(request):
    """A search box and the list of people one may write to (own community, then
    twinned ones), each with an "Ajouter" button; the chosen ones are ticked boxes.
    Without JavaScript every button posts the whole form, text included; with htmx the
    same buttons refresh the people part only."""
    membership = services.writer_membership(request.user)
    if membership is None:
        return _not_a_member(request)
    data = request.POST if request.method == "POST" else request.GET
    raw_ids = data.getlist("to") or data.getlist("a")
    adding = request.POST.get("add") if request.method == "POST" else None
    if adding:
        raw_ids = [*raw_ids, adding]
    query = data.get("q", "")[:100]
    if request.method == "POST" and "send" in request.POST:
        return _send(request, membership, raw_ids, query)
    context = _picker_context(
        request, membership, raw_ids, query=query, page_number=data.get("page"), adding=adding
    )
    if request.htmx:
        return render(request, "messaging/_picker.html", context)
    form = MessageForm(initial={"text": request.POST.get("text", "")})
    return render(request, "messaging/compose.html", {**context, "form": form})


def _send(request, membership, raw_ids, query: str):
    form = MessageForm(request.POST)
    context = _picker_context(request, membership, raw_ids, query=query)
    if not context["recipient_errors"] and not context["chosen"]:
        context["recipient_errors"] = [_("Choisissez au moins un destinataire.")]
    if form.is_valid() and not context["recipient_errors"]:
        try:
            message = services.start_conversation(request.user, raw_ids, form.cleaned_data["text"])
        except PermissionDenied:
            return _not_a_member(request)
        except ValidationError as error:
            # The recipients are not a form field: their errors are listed in the picker.
            for field, problems in error.update_error_dict({}).items():
                if field == "to":
                    context["recipient_errors"].extend(m for p in problems for m in p.messages)
                else:
                    form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Message envoyé."))
            return redirect(f"{services.conversation_url(message.conversation_id)}#m{message.pk}")
    return render(request, "messaging/compose.html", {**context, "form": form}, status=400)


def people(request):
    """The people part of the compose page for htmx's live search (GET, as typed)."""
    membership = services.writer_membership(request.user)
    if membership is None:
        return _not_a_member(request)
    chosen_ids = [
        number for number in map(parse_id, request.GET.getlist("to")[:100]) if number is not None
    ]
    query = request.GET.get("q", "")[:100]
    if not request.htmx:
        params = [("a", value) for value in chosen_ids] + [("q", query)]
        return redirect(f"{reverse('messaging:compose')}?{urlencode(params)}")
    page, people = _people_page(request, membership, chosen_ids, query, request.GET.get("page"))
    return render(
        request,
        "messaging/_people.html",
        {
            "people_page": page,
            "people": people,
            "query": query,
            "is_full": len(chosen_ids) >= services.MAX_RECIPIENTS,
        },
    )
