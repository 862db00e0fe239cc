"""Who wants what, and how: off, a daily digest, or at once.

No row means the default below. Two rules from the spec are enforced here, not in forms:
alert e-mails cannot be turned off, and SMS alerts can be turned off only by a member
who can be reached by push.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from monquartier.notifications.models import Mode, NotificationKind, NotificationPreference
from monquartier.outbox.devices import member_has_push_device

DEFAULTS: dict[str, str] = {
    NotificationKind.ALERT: Mode.INSTANT,
    NotificationKind.GAZETTE: Mode.DIGEST,
    NotificationKind.MESSAGE: Mode.INSTANT,
    NotificationKind.JOIN_REQUEST: Mode.INSTANT,
    NotificationKind.MOVEMENT: Mode.DIGEST,
    NotificationKind.BIRTHDAY: Mode.DIGEST,
    NotificationKind.PLATFORM: Mode.DIGEST,
    NotificationKind.TOWN_HALL: Mode.INSTANT,
}
# Alerts are always instant: their e-mail cannot be turned off (the SMS can, see below).
FIXED: dict[str, str] = {NotificationKind.ALERT: Mode.INSTANT}
# Kinds that go at once or not at all: a water cut announced for this morning is no news
# in tomorrow's digest (the town hall's announcements are not gathered into digests).
WITHOUT_DIGEST = frozenset({NotificationKind.TOWN_HALL})


def modes_of(kind: str) -> list[tuple[str, str | Promise]]:
    """The choices a member has for one kind."""
    return [
        (mode, label)
        for mode, label in Mode.choices
        if not (kind in WITHOUT_DIGEST and mode == Mode.DIGEST)
    ]


def modes_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """The mode of each user for one kind, in one query."""
    user_ids = list(user_ids)
    if kind in FIXED:
        return dict.fromkeys(user_ids, FIXED[kind])
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "mode"
        )
    )
    default = DEFAULTS[kind]
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def all_modes(user) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "mode"))
    return {kind: FIXED.get(kind, chosen.get(kind, default)) for kind, default in DEFAULTS.items()}


def has_push(user) -> bool:
    return member_has_push_device(user)


@transaction.atomic
def save_preferences(
    user, modes: dict[str, str], *, alert_sms: bool, alert_voice: bool | None = None
) -> None:
    """Save the member's choices; alert_voice None leaves the voice calls as they are."""
    for kind, mode in modes.items():
        if kind not in DEFAULTS or mode not in Mode.values:
            raise ValidationError(_("Choix de notification inconnu."), code="unknown")
        if kind in WITHOUT_DIGEST and mode == Mode.DIGEST:
            raise ValidationError(
                {kind: _("Ces messages arrivent tout de suite ou pas du tout.")}, code="no_digest"
            )
        if kind in FIXED and mode != FIXED[kind]:
            raise ValidationError(
                _("Les alertes arrivent toujours par e-mail, tout de suite."), code="fixed"
            )
    if not alert_sms and not has_push(user):
        message = _(
            "Pour ne plus recevoir les alertes par SMS, activez d'abord les notifications sur votre téléphone : "
            "sinon une alerte pourrait ne pas vous atteindre."
        )
        raise ValidationError({"alert_sms": ValidationError(message, code="sms_needs_push")})
    if alert_voice and not (user.mobile and user.mobile_verified):
        message = _(
            "Pour recevoir les alertes par appel, ajoutez et vérifiez d'abord votre mobile."
        )
        raise ValidationError({"alert_voice": ValidationError(message, code="voice_needs_mobile")})
    for kind, mode in modes.items():
        if kind in FIXED:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"mode": mode}
        )
    changed = []
    if user.alert_sms != alert_sms:
        user.alert_sms = alert_sms
        changed.append("alert_sms")
    if alert_voice is not None and user.alert_voice != alert_voice:
        user.alert_voice = alert_voice
        changed.append("alert_voice")
    if changed:
        user.save(update_fields=changed)
