"""Writes to accounts: each function is one transaction and the only way views change
these rows, so the website and the back office behave the same."""

import logging
import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monquartier.accounts.models import DataExport, DeviceToken, Home, Profile, User
from monquartier.accounts.signals import account_closing, home_moving
from monquartier.core.flood import check_flood
from monquartier.core.images import reencode_image
from monquartier.outbox.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


def _delete_files_after_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete)


def set_profile_photo(user: User, upload) -> Profile:
    """Re-encode the upload (EXIF and GPS dropped, orientation applied, size capped) and
    make it the member's photo. Raises ValidationError for a file that is not a usable
    image; nothing changes then."""
    image = reencode_image(upload)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        old_files = [profile.photo.name, profile.photo_thumbnail.name]
        profile.photo.save(image.full.name, image.full, save=False)
        profile.photo_thumbnail.save(image.thumbnail.name, image.thumbnail, save=False)
        profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])
        _delete_files_after_commit(old_files)
    return profile


def remove_profile_photo(user: User) -> None:
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        _delete_files_after_commit([profile.photo.name, profile.photo_thumbnail.name])
        profile.photo = ""
        profile.photo_thumbnail = ""
        profile.save(update_fields=["photo", "photo_thumbnail", "updated_at"])


def update_user(user: User, **fields) -> User:
    """Save the account's fields a settings form validated (identity, phones shown)."""
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


def update_profile(user: User, **fields) -> Profile:
    """Save the profile's fields the profile form validated."""
    profile = user.profile
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save(update_fields=[*fields, "updated_at"])
    return profile


def set_language(user: User, language: str) -> None:
    """The member's language: the site's (MemberLanguageMiddleware), their e-mails' and
    their SMS'. `language` is one of settings.LANGUAGES."""
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def set_home(user: User, **fields) -> Home:
    """Create or move the member's home (commune, quartier, address, landmark, pin).
    Raises ValidationError if a member moves the pin out of their community."""
    home_moving.send(
        sender=User, user=user, latitude=fields["latitude"], longitude=fields["longitude"]
    )
    home, _created = Home.objects.update_or_create(user=user, defaults=fields)
    return home


@transaction.atomic
def close_account(user: User) -> None:
    """Erase the member's personal data and keep a blank row that says a former member
    existed, so what they wrote stays attributed to "former member".

    The password becomes unusable, which also ends the member's sessions on every device
    (Django checks a hash of the password with each session).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_closed:
        return
    account_closing.send(sender=User, user=user)
    profile = Profile.objects.select_for_update().get(user=user)
    _delete_files_after_commit([profile.photo.name, profile.photo_thumbnail.name])
    Profile.objects.filter(user=user).delete()
    Profile.objects.create(user=user)
    Home.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()

    user.email = None
    user.first_name = ""
    user.last_name = ""
    user.pseudonym = ""
    user.mobile = ""
    user.mobile_verified = False
    user.landline = ""
    user.hide_mobile = False
    user.hide_landline = False
    user.newsletter = False
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.closed_at = timezone.now()
    user.suspended_at = None
    user.set_unusable_password()
    user.save()
    DeviceToken.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    logger.info("Account %s closed", user.pk)


@transaction.atomic(durable=True)
def record_data_export(user: User) -> DataExport:
    """Count one download of the member's data, or refuse past the limit (each zips all
    their files)."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))  # one at a time
    check_flood(
        DataExport.objects.filter(user=user),
        "data_export",
        _("Vous avez déjà téléchargé vos données %(count)s fois aujourd'hui : réessayez demain."),
    )
    return DataExport.objects.create(user=user)


@transaction.atomic
def suspend_account(user: User) -> User:
    """Stop an account at once, keeping everything so staff can restore it or close it.

    It can no longer log in, and its open sessions end for good (sessions_ended_at: they
    stay ended if the account is restored; and the backends refuse an inactive user
    meanwhile); the links of e-mails check is_active.
    Its name is shown nowhere (User.full_name), nothing more is sent to it (notify, the
    fan-outs and the digests read is_active) and what was waiting to go is cancelled.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_closed:
        raise ValidationError(_("Ce compte est déjà fermé."), code="closed")
    if user.is_staff:
        raise ValidationError(
            _("Un compte de l'équipe ne se suspend pas ici : retirez-lui d'abord ses droits."),
            code="staff",
        )
    if user.suspended_at is not None:
        raise ValidationError(_("Ce compte est déjà suspendu."), code="already_suspended")
    user.is_active = False
    user.suspended_at = user.sessions_ended_at = timezone.now()
    user.save(update_fields=["is_active", "suspended_at", "sessions_ended_at"])
    DeviceToken.objects.filter(user=user).delete()  # the apps, like the sessions
    Delivery.objects.filter(user=user, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.CANCELLED, last_error="account suspended"
    )
    logger.info("Account %s suspended", user.pk)
    return user


@transaction.atomic
def restore_account(user: User) -> User:
    """Undo suspend_account: the account logs in again and its name shows again."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_closed:
        raise ValidationError(
            _("Ce compte est fermé : il ne peut plus être rétabli."), code="closed"
        )
    if user.suspended_at is None:
        raise ValidationError(_("Ce compte n'est pas suspendu."), code="not_suspended")
    user.is_active = True
    user.suspended_at = None
    user.save(update_fields=["is_active", "suspended_at"])
    logger.info("Account %s restored", user.pk)
    return user


# A member rarely has more than a phone or two: past this, the oldest sign-in goes (an
# app reinstalled again and again does not pile up tokens).
DEVICE_TOKENS_PER_ACCOUNT = 10


@transaction.atomic
def issue_device_token(user: User, device_name: str) -> tuple[DeviceToken, str]:
    """A new sign-in for one device of the member: the row and the secret, which is shown
    this once and never stored (DeviceToken). The caller has checked the password (and
    the second factor where the account needs one)."""
    name = " ".join((device_name or "").split())[: DeviceToken._meta.get_field("name").max_length]
    if not name:
        raise ValidationError({"device_name": _("Donnez un nom à cet appareil.")})
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))  # one at a time
    keep = DeviceToken.objects.filter(user=user).values_list("pk", flat=True)[
        : DEVICE_TOKENS_PER_ACCOUNT - 1
    ]
    DeviceToken.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
    secret = secrets.token_urlsafe(32)
    token = DeviceToken.objects.create(
        user=user, name=name, token_hash=DeviceToken.hash_secret(secret)
    )
    return token, secret


def revoke_device_token(user: User, token_id: int) -> bool:
    """Sign the app out of one device. True if there was such a sign-in of the member's."""
    deleted, _rows = DeviceToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
