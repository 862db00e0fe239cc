"""The USSD menu: screens, and what each key does.

A screen is a name and a few arguments (the chosen category, the alert shown…), kept in
the session with the screens before it, so that "0" goes back one screen and "00" home.
`advance()` applies one key press (or typed text) to the state and returns the next
screen's text; actions that change something (an alert, "j'ai vu", STOP, a call-back
request) happen at the key that confirms them, once.

Every screen ends with "0 Retour" and "00 Accueil", fits 182 characters and uses only
GSM-7 characters (what any basic phone shows).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import User
from monquartier.accounts.phones import format_for_display
from monquartier.alerts import acknowledgements, holds, services
from monquartier.alerts.models import AcknowledgementChannel, Alert, AlertCategory, AlertSource
from monquartier.alerts.sms_intake import set_alert_sms
from monquartier.communities import privacy
from monquartier.communities.contacts import referent_contacts
from monquartier.communities.models import Community, Membership, MembershipStatus
from monquartier.core import flood
from monquartier.notifications.models import NotificationKind
from monquartier.notifications.services import notify
from monquartier.outbox.models import SMSOptOut
from monquartier.outbox.sms.gsm7 import to_gsm7
from monquartier.places.models import Commune
from monquartier.ussd.models import CallbackRequest

SCREEN_MAX = 182
TEXT_MAX = services.TEXT_MAX
PAGE = 7  # names per screen in a list; 9 is "Suite"
MORE = "9"
BACK, HOME = "0", "00"
RECENT_COUNT = 3

# The categories in the menu's order, with short labels a small screen can hold.
CATEGORIES = [
    AlertCategory.BURGLARY,
    AlertCategory.SUSPICIOUS,
    AlertCategory.THEFT,
    AlertCategory.ASSAULT,
    AlertCategory.FIRE,
    AlertCategory.MISSING,
    AlertCategory.UTILITY,
    AlertCategory.OTHER,
]


def _short_label(category: str) -> str:
    labels: dict[str, str] = {
        AlertCategory.BURGLARY: _("Cambriolage"),
        AlertCategory.SUSPICIOUS: _("Suspect"),
        AlertCategory.THEFT: _("Vol"),
        AlertCategory.ASSAULT: _("Agression"),
        AlertCategory.FIRE: _("Incendie"),
        AlertCategory.MISSING: _("Enfant ou animal perdu"),
        AlertCategory.UTILITY: _("Coupure eau/courant"),
        AlertCategory.OTHER: _("Autre"),
    }
    return labels[category]


class Problem(Exception):
    """The key does not fit the screen: the same screen again, with this line first."""


@dataclass
class Reply:
    text: str
    end: bool = False

    def render(self) -> str:
        """'CON …' or 'END …', in GSM-7, within SCREEN_MAX characters (footer kept)."""
        footer = "" if self.end else "\n" + _("0 Retour") + "  " + _("00 Accueil")
        prefix = "END " if self.end else "CON "
        body = to_gsm7(self.text.strip())
        footer = to_gsm7(footer)
        room = SCREEN_MAX - len(prefix) - len(footer)
        if len(body) > room:
            body = body[: room - 3].rstrip() + "..."
        return prefix + body + footer


@dataclass
class Caller:
    """Who calls: the number, the accounts it verifies, the account chosen."""

    phone: str
    accounts: list[User]
    user: User | None = None
    membership: Membership | None = field(default=None, repr=False)


def members_of(phone: str) -> list[tuple[User, Membership]]:
    """The accounts that verified this number and are active members, with their
    membership (one query)."""
    memberships = (
        Membership.objects.active()
        .filter(user__mobile=phone, user__mobile_verified=True, user__is_active=True)
        .select_related("user", "community")
        .order_by("pk")
    )
    return [(membership.user, membership) for membership in memberships]


# --- the state: {"screen": name, "args": {...}, "back": [[name, args], ...]} ---------


def root_screen(caller: Caller) -> tuple[str, dict]:
    if caller.user is not None:
        return "home", {}
    if len(caller.accounts) > 1:
        return "accounts", {}
    if caller.accounts:
        return "home", {}
    return "visitor", {}


def start(caller: Caller, state: dict) -> Reply:
    name, args = root_screen(caller)
    state.update(screen=name, args=args, back=[])
    return show(caller, state)


def advance(caller: Caller, state: dict, keys: list[str]) -> Reply:
    """Apply the keys typed since the last screen, in order; the last screen's text."""
    reply = None
    position = 0
    while position < len(keys):
        key = keys[position].strip()
        position += 1
        if state["screen"] == "describe" and key not in (BACK, HOME):
            # Typed text may itself contain "*": it is one answer.
            key = "*".join([key, *keys[position:]]).strip()
            position = len(keys)
        reply = _press(caller, state, key)
        if reply.end:
            return reply
    return reply or show(caller, state)


def _press(caller: Caller, state: dict, key: str) -> Reply:
    if key == HOME:
        name, args = root_screen(caller)
        state.update(screen=name, args=args, back=[])
        return show(caller, state)
    if key == BACK:
        if state["back"]:
            state["screen"], state["args"] = state["back"].pop()
        return show(caller, state)
    handler = HANDLERS[state["screen"]]
    try:
        outcome = handler(caller, state["args"], key)
    except Problem as problem:
        return show(caller, state, note=str(problem))
    if isinstance(outcome, Reply):
        return outcome
    name, args = outcome
    state["back"].append([state["screen"], state["args"]])
    del state["back"][:-10]  # deep enough for any path, bounded
    state["screen"], state["args"] = name, args
    return show(caller, state)


def show(caller: Caller, state: dict, note: str = "") -> Reply:
    reply = SCREENS[state["screen"]](caller, state["args"])
    if note:
        reply = Reply(note + "\n" + reply.text, reply.end)
    return reply


def _choice(key: str, count: int) -> int:
    """The 0-based index of a numbered choice, or Problem."""
    if key.isdigit() and 1 <= int(key) <= count:
        return int(key) - 1
    raise Problem(_("Choix inconnu."))


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{index} {line}" for index, line in enumerate(lines, start=1))


# --- members --------------------------------------------------------------------------


def _accounts_screen(caller: Caller, args: dict) -> Reply:
    names = [membership.community.name for _user, membership in _account_rows(caller)]
    return Reply(
        _("Ce numéro sert à plusieurs comptes. Quelle communauté ?") + "\n" + _numbered(names)
    )


def _account_rows(caller: Caller) -> list[tuple[User, Membership]]:
    return members_of(caller.phone)[:PAGE]


def _accounts_key(caller: Caller, args: dict, key: str):
    rows = _account_rows(caller)
    user, membership = rows[_choice(key, len(rows))]
    caller.user, caller.membership = user, membership
    return "home", {}


def _home_screen(caller: Caller, args: dict) -> Reply:
    assert caller.membership is not None
    menu = [
        _("Lancer une alerte"),
        _("Dernières alertes"),
        _("J'ai vu la dernière alerte"),
        _("Mes référents"),
        _("SMS d'alerte"),
        _("Aide"),
    ]
    return Reply(f"MonQuartier - {caller.membership.community.name}\n" + _numbered(menu))


def _home_key(caller: Caller, args: dict, key: str):
    choice = _choice(key, 6)
    if choice == 0:
        return "category", {}
    if choice == 1:
        return "recent", {"index": 0}
    if choice == 2:
        return "message", {"text": _acknowledge_last(caller)}
    if choice == 3:
        return "message", {"text": _referents_text(caller)}
    if choice == 4:
        return "sms", {}
    return "message", {"text": _help_text()}


def _category_screen(caller: Caller, args: dict) -> Reply:
    return Reply(_("Type d'alerte ?") + "\n" + _numbered([_short_label(c) for c in CATEGORIES]))


def _category_key(caller: Caller, args: dict, key: str):
    return "describe", {"category": CATEGORIES[_choice(key, len(CATEGORIES))]}


def _describe_screen(caller: Caller, args: dict) -> Reply:
    return Reply(
        _("Alerte %(label)s. Écrivez ce qui se passe et où, ou tapez 1 pour l'envoyer sans texte.")
        % {"label": _short_label(args["category"])}
    )


def _describe_key(caller: Caller, args: dict, key: str):
    if key == "1":
        return "confirm", {"category": args["category"], "text": ""}
    if len(key) > TEXT_MAX:
        raise Problem(_("Texte trop long : %(max)s caractères au plus.") % {"max": TEXT_MAX})
    try:
        text = services.clean_text(key)
    except ValidationError as error:
        raise Problem(" ".join(error.messages)) from None
    return "confirm", {"category": args["category"], "text": text}


def _confirm_screen(caller: Caller, args: dict) -> Reply:
    label = _short_label(args["category"])
    quoted = f' "{args["text"][:60]}"' if args["text"] else ""
    return Reply(
        _("Envoyer l'alerte %(label)s%(text)s à tout le quartier ? N'intervenez pas.")
        % {"label": label, "text": quoted}
        + "\n1 "
        + _("Envoyer")
    )


def _confirm_key(caller: Caller, args: dict, key: str):
    _choice(key, 1)
    text = args["text"] or _("%(category)s (alerte lancée par USSD, sans description)") % {
        "category": AlertCategory(args["category"]).label
    }
    try:
        alert = services.hold_or_send(
            caller.user, category=args["category"], text=text, source=AlertSource.USSD
        )
    except (ValidationError, PermissionDenied) as error:
        reason = " ".join(getattr(error, "messages", [str(error)]))
        return Reply(
            _("Alerte non envoyée. %(reason)s Urgence : 110, 111, 170.") % {"reason": reason},
            end=True,
        )
    if alert.is_held:
        # The safeguards hold it until a référent or staff decide (alerts/holds.py).
        return Reply(holds.held_message(alert), end=True)
    return Reply(
        _("Alerte envoyée à %(community)s. N'intervenez pas. Urgence : 110, 111, 170.")
        % {"community": alert.community.name},
        end=True,
    )


def _recent_alerts(caller: Caller) -> list[Alert]:
    assert caller.membership is not None
    return list(
        Alert.objects.visible()
        .filter(community_id=caller.membership.community_id)
        .select_related("sender")
        .order_by("-created_at", "-id")[:RECENT_COUNT]
    )


def _recent_screen(caller: Caller, args: dict) -> Reply:
    alerts = _recent_alerts(caller)
    index = args["index"]
    if not alerts:
        return Reply(_("Aucune alerte dans votre communauté."))
    if index >= len(alerts):
        return Reply(_("Pas d'autre alerte récente."))
    alert = alerts[index]
    when = timezone.localtime(alert.created_at)
    head = f"{index + 1}/{len(alerts)} {_short_label(alert.category)}, {when:%d/%m %H:%M}"
    if alert.is_correction:
        head += " " + _("(correction)")
    more = "\n1 " + _("Suivante") if index + 1 < len(alerts) else ""
    sender = privacy.alert_sender_name(alert.sender)
    budget = SCREEN_MAX - 40 - len(head) - len(sender) - len(more)
    text = alert.text if len(alert.text) <= budget else alert.text[: budget - 3] + "..."
    return Reply(f"{head}\n{sender}: {text}{more}")


def _recent_key(caller: Caller, args: dict, key: str):
    count = len(_recent_alerts(caller))
    if key != "1" or args["index"] + 1 >= count:
        raise Problem(_("Choix inconnu."))
    return "recent", {"index": args["index"] + 1}


def _acknowledge_last(caller: Caller) -> str:
    alert = acknowledgements.last_alert_received(caller.user)
    if alert is None:
        return _("Aucune alerte récente à confirmer.")
    what = {
        "label": _short_label(alert.category),
        "time": f"{timezone.localtime(alert.created_at):%H:%M}",
    }
    if acknowledgements.acknowledge(caller.user, alert, channel=AcknowledgementChannel.USSD):
        return (
            _(
                "Merci : l'émetteur et les référents savent que vous avez vu l'alerte %(label)s de %(time)s."
            )
            % what
        )
    return _("Vous aviez déjà dit avoir vu l'alerte %(label)s de %(time)s.") % what


def _referents_text(caller: Caller) -> str:
    assert caller.membership is not None
    contacts = referent_contacts(caller.user, caller.membership.community_id)
    if not contacts:
        return _("Vous êtes le seul référent de votre communauté.")
    lines = [
        f"{contact.name} {contact.mobile}"
        if contact.mobile
        else f"{contact.name} ({_('numéro masqué')})"
        for contact in contacts
    ]
    return _("Vos référents :") + "\n" + "\n".join(lines)


def _receives_sms(caller: Caller) -> bool:
    assert caller.user is not None
    return caller.user.alert_sms and not SMSOptOut.objects.covers(caller.phone)


def _sms_screen(caller: Caller, args: dict) -> Reply:
    if _receives_sms(caller):
        return Reply(_("Vous recevez les alertes par SMS.") + "\n1 " + _("Arrêter les SMS"))
    return Reply(_("Vous ne recevez pas les alertes par SMS.") + "\n1 " + _("Reprendre les SMS"))


def _sms_key(caller: Caller, args: dict, key: str):
    _choice(key, 1)
    receive = not _receives_sms(caller)
    set_alert_sms(caller.phone, receive=receive)
    if receive:
        return "message", {"text": _("C'est fait : vous recevez de nouveau les alertes par SMS.")}
    return "message", {
        "text": _("C'est fait : plus d'alertes par SMS sur ce numéro. 5 puis 1 pour les reprendre.")
    }


def _help_text() -> str:
    return _(
        "MonQuartier prévient vos voisins. N'intervenez jamais vous-même : Police 110, 111, 170, Pompiers 180. Par SMS : ALERTE et le texte, VU, INFO, STOP."
    )


def _message_screen(caller: Caller, args: dict) -> Reply:
    return Reply(args["text"])


def _message_key(caller: Caller, args: dict, key: str):
    raise Problem(_("Tapez 0 ou 00."))


# --- unknown numbers ------------------------------------------------------------------


def _visitor_screen(caller: Caller, args: dict) -> Reply:
    pending = (
        Membership.objects.filter(user__mobile=caller.phone, status=MembershipStatus.PENDING)
        .select_related("community")
        .first()
    )
    if pending is not None:
        intro = _("Votre demande pour %(community)s attend un référent.") % {
            "community": pending.community.name
        }
    elif User.objects.filter(mobile=caller.phone, mobile_verified=True, is_active=True).exists():
        intro = _(
            "Votre compte n'est membre d'aucune communauté. Un référent de votre quartier peut vous inscrire."
        )
    else:
        intro = _(
            "Ce numéro n'est pas inscrit. Pour devenir membre, un référent de votre quartier vous inscrit."
        )
    return Reply(intro + "\n1 " + _("Être rappelé par un référent") + "\n2 " + _("Aide"))


def _visitor_key(caller: Caller, args: dict, key: str):
    if _choice(key, 2) == 1:
        return "message", {"text": _help_text()}
    return "communes", {"page": 0}


def _communes_with_communities() -> list[tuple[int, str]]:
    return list(
        Commune.objects.filter(communities__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )


def _page_screen(title: str, names: list[str], page: int) -> Reply:
    shown = names[page * PAGE : (page + 1) * PAGE]
    more = f"\n{MORE} " + _("Suite") if (page + 1) * PAGE < len(names) else ""
    return Reply(title + "\n" + _numbered(shown) + more)


def _page_choice(key: str, count: int, page: int) -> int | None:
    """The index chosen in the whole list, or None for "Suite"."""
    if key == MORE and (page + 1) * PAGE < count:
        return None
    shown = min(PAGE, count - page * PAGE)
    return page * PAGE + _choice(key, shown)


def _communes_screen(caller: Caller, args: dict) -> Reply:
    communes = _communes_with_communities()
    if not communes:
        return Reply(_("Aucune communauté n'existe encore. Revenez bientôt."))
    return _page_screen(_("Votre commune ?"), [name for _pk, name in communes], args["page"])


def _communes_key(caller: Caller, args: dict, key: str):
    communes = _communes_with_communities()
    index = _page_choice(key, len(communes), args["page"])
    if index is None:
        return "communes", {"page": args["page"] + 1}
    commune_id = communes[index][0]
    communities = _communities_of(commune_id)
    if len(communities) == 1:
        return "callback", {"community": communities[0][0]}
    return "communities", {"commune": commune_id, "page": 0}


def _communities_of(commune_id: int) -> list[tuple[int, str]]:
    return list(
        Community.objects.filter(commune_id=commune_id).order_by("name").values_list("pk", "name")
    )


def _communities_screen(caller: Caller, args: dict) -> Reply:
    names = [name for _pk, name in _communities_of(args["commune"])]
    return _page_screen(_("Votre quartier ?"), names, args["page"])


def _communities_key(caller: Caller, args: dict, key: str):
    communities = _communities_of(args["commune"])
    index = _page_choice(key, len(communities), args["page"])
    if index is None:
        return "communities", {"commune": args["commune"], "page": args["page"] + 1}
    return "callback", {"community": communities[index][0]}


def _callback_screen(caller: Caller, args: dict) -> Reply:
    community = Community.objects.filter(pk=args["community"]).first()
    if community is None:
        return Reply(_("Cette communauté n'existe plus."))
    return Reply(
        _("Un référent de %(community)s vous rappellera au %(phone)s.")
        % {"community": community.name, "phone": format_for_display(caller.phone)}
        + "\n1 "
        + _("Confirmer")
    )


def _callback_key(caller: Caller, args: dict, key: str):
    _choice(key, 1)
    community = Community.objects.filter(pk=args["community"]).first()
    if community is None:
        raise Problem(_("Cette communauté n'existe plus."))
    try:
        request_callback(caller.phone, community)
    except ValidationError as error:
        return Reply(" ".join(error.messages), end=True)
    return Reply(
        _("Demande enregistrée : un référent vous rappellera. Urgence : 110, 111, 170."), end=True
    )


@transaction.atomic
def request_callback(phone: str, community: Community) -> CallbackRequest:
    """Record the request and notify the community's référents (flood-limited per number
    and per community)."""
    flood.check_flood(
        CallbackRequest.objects.filter(phone=phone),
        "ussd_callback",
        _("Vous avez déjà demandé un rappel aujourd'hui : un référent vous appellera."),
    )
    flood.check_flood(
        CallbackRequest.objects.filter(community=community),
        "ussd_callback_community",
        _("Trop de demandes aujourd'hui pour ce quartier : réessayez demain."),
    )
    request = CallbackRequest.objects.create(phone=phone, community=community)
    referents = [
        membership.user
        for membership in Membership.objects.referents()
        .filter(community=community)
        .select_related("user")
    ]
    notify(
        referents,
        kind=NotificationKind.JOIN_REQUEST,
        event="ussd_callback",
        community=community,
        url=reverse("communities:register_neighbour", args=[community.pk]),
        phone=format_for_display(phone),
    )
    return request


SCREENS = {
    "accounts": _accounts_screen,
    "home": _home_screen,
    "category": _category_screen,
    "describe": _describe_screen,
    "confirm": _confirm_screen,
    "recent": _recent_screen,
    "sms": _sms_screen,
    "message": _message_screen,
    "visitor": _visitor_screen,
    "communes": _communes_screen,
    "communities": _communities_screen,
    "callback": _callback_screen,
}
HANDLERS = {
    "accounts": _accounts_key,
    "home": _home_key,
    "category": _category_key,
    "describe": _describe_key,
    "confirm": _confirm_key,
    "recent": _recent_key,
    "sms": _sms_key,
    "message": _message_key,
    "visitor": _visitor_key,
    "communes": _communes_key,
    "communities": _communities_key,
    "callback": _callback_key,
}
