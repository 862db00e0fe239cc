"""Africa's Talking's USSD callback.

The provider POSTs a form (sessionId, serviceCode, phoneNumber, text: every key typed
since the session began, joined by "*") and shows the person our answer: plain text
starting with "CON " (a screen waiting for a key) or "END " (the session closes). The URL
carries a secret (USSD_WEBHOOK_SECRET), as the SMS webhooks do.

Whatever comes, the person gets a screen they can read: a missing field, an unknown or
expired session, a choice that does not exist, a long text. Never a 500.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from monquartier.accounts.phones import is_ivorian, parse_phone, to_e164
from monquartier.core import flood
from monquartier.ussd import menu
from monquartier.ussd.models import UssdSession

logger = logging.getLogger(__name__)

FIELD_MAX = 100  # sessionId, serviceCode, phoneNumber
TEXT_MAX = 2000  # everything typed in a session: screens and an alert's text, retyped


def _answer(reply: menu.Reply) -> HttpResponse:
    return HttpResponse(reply.render(), content_type="text/plain; charset=utf-8")


def _end(text: str) -> HttpResponse:
    return _answer(menu.Reply(text, end=True))


@csrf_exempt
@login_not_required
@require_POST
def callback(request, secret: str):
    expected = settings.USSD_WEBHOOK_SECRET
    if not expected or not constant_time_compare(secret, expected):
        logger.warning(
            "USSD callback refused: wrong secret (from %s)", request.META.get("REMOTE_ADDR")
        )
        return HttpResponse(status=403)
    with translation.override("fr"):  # the menu is in French, like the short code's users
        try:
            return _callback(request)
        except Exception:
            # The provider shows our answer to the person: even a bug of ours must give
            # them a screen to read (and the numbers to call), not the operator's error.
            logger.exception("USSD callback failed")
            return _end(_("Service indisponible, réessayez plus tard. Urgence : 110, 111, 170."))


def _callback(request) -> HttpResponse:
    session_id = request.POST.get("sessionId", "").strip()
    raw_phone = request.POST.get("phoneNumber", "").strip()
    text = request.POST.get("text", "")
    if not session_id or not raw_phone or len(session_id) > FIELD_MAX or len(raw_phone) > FIELD_MAX:
        return _end(_("Demande incomplète. Composez de nouveau le code MonQuartier."))
    if len(text) > TEXT_MAX:
        return _end(_("Trop de texte pour un seul appel. Composez de nouveau le code."))
    try:
        phone = to_e164(parse_phone(raw_phone, mobile=True))
    except ValidationError:
        return _end(_("Numéro non reconnu. MonQuartier sert les mobiles de Côte d'Ivoire."))
    if not is_ivorian(phone):
        return _end(_("MonQuartier sert les mobiles de Côte d'Ivoire."))
    try:
        with transaction.atomic():
            return _step(session_id, phone, text.strip())
    except IntegrityError:
        # Two callbacks of one new session at once: the other made it; it answers.
        return _end(_("Un instant : composez de nouveau le code MonQuartier."))


def _step(session_id: str, phone: str, text: str) -> HttpResponse:
    now = timezone.now()
    session = UssdSession.objects.select_for_update().filter(session_id=session_id).first()
    rows = None
    if session is None:
        rows = menu.members_of(phone)
        community = rows[0][1].community if len(rows) == 1 else None
        session = UssdSession(
            session_id=session_id,
            phone=phone,
            community=community,
            expires_at=now + timedelta(seconds=settings.USSD_SESSION_SECONDS),
        )
        refusal = _over_cap(phone, community)
        if refusal is not None:
            # Counted all the same: the provider bills the session we refuse.
            session.refused = True
            session.last_text = text
            session.last_screen = menu.Reply(refusal, end=True).render()
            session.save()
            return HttpResponse(session.last_screen, content_type="text/plain; charset=utf-8")
        session.save()
    elif session.refused:
        return HttpResponse(session.last_screen, content_type="text/plain; charset=utf-8")
    elif session.phone != phone:
        logger.warning("USSD session %s: another number", session_id[:16])
        return _end(_("Session inconnue. Composez de nouveau le code MonQuartier."))
    elif session.expires_at < now:
        return _end(_("Cette session a expiré. Composez de nouveau le code MonQuartier."))
    if session.last_screen and text == session.last_text:
        # The provider sent the same callback again: the same screen, nothing done twice.
        return HttpResponse(session.last_screen, content_type="text/plain; charset=utf-8")
    caller = _caller(session, rows)
    if caller is None:
        return _end(_("Ce compte n'est plus membre. Composez de nouveau le code MonQuartier."))
    keys: list[str] = []
    if not session.state:
        reply = menu.start(caller, session.state)
        if text:
            # Keys of a session we never saw (a dial string, or a session we lost): the
            # menu from the start, and nothing done on a guess.
            reply = menu.Reply(_("Nouvelle session.") + "\n" + reply.text, reply.end)
    elif session.last_text and text.startswith(session.last_text + "*"):
        reply = None
        keys = text[len(session.last_text) + 1 :].split("*")
    elif not session.last_text and text:
        reply = None
        keys = text.split("*")
    else:
        return _end(_("Session interrompue. Composez de nouveau le code MonQuartier."))
    if keys:
        reply = menu.advance(caller, session.state, keys)
    assert reply is not None
    rendered = reply.render()
    session.user = caller.user
    if caller.membership is not None:
        session.community_id = caller.membership.community_id
    session.last_text = text
    session.last_screen = rendered
    session.save(update_fields=["user", "community", "state", "last_text", "last_screen"])
    return HttpResponse(rendered, content_type="text/plain; charset=utf-8")


def _over_cap(phone: str, community) -> str | None:
    """Why a new session is refused (the number's or the community's sessions of the
    last day reach their cap), or None."""
    if flood.is_flooded(UssdSession.objects.filter(phone=phone), "ussd_session"):
        return _(
            "Ce numéro a ouvert le menu MonQuartier %(count)s fois aujourd'hui : réessayez demain. Urgence : 110, 111, 170."
        ) % {"count": flood.flood_limit("ussd_session").count}
    if community is not None and flood.is_flooded(
        UssdSession.objects.filter(community=community), "ussd_session_community"
    ):
        return _(
            "Le menu MonQuartier de votre quartier a trop servi aujourd'hui : réessayez demain, ou envoyez ALERTE par SMS. Urgence : 110, 111, 170."
        )
    return None


def _caller(session: UssdSession, rows=None) -> menu.Caller | None:
    if rows is None:
        rows = menu.members_of(session.phone)
    accounts = [user for user, _membership in rows]
    caller = menu.Caller(session.phone, accounts)
    if session.user_id is not None:
        chosen = [membership for user, membership in rows if user.pk == session.user_id]
        if not chosen:
            return None
        caller.user, caller.membership = chosen[0].user, chosen[0]
    elif len(rows) == 1:
        caller.user, caller.membership = rows[0]
    return caller
