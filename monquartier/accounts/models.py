import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from monquartier.accounts.fields import LazyPhoneNumberField
from monquartier.accounts.phones import format_for_display


class UserQuerySet(models.QuerySet):
    def open(self) -> "UserQuerySet":
        """Accounts that have not been closed."""
        return self.filter(closed_at__isnull=True)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def open(self) -> UserQuerySet:
        return self.get_queryset().open()

    def create_user(self, email=None, password=None, **extra_fields):
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. One account each: a household shares nothing.

    The e-mail is optional because a référent can register a neighbour who has only a
    basic phone; such a member never logs in. Closing an account blanks every personal
    field and keeps the row (closed_at set) so that what the member wrote stays
    attributed to "a former member".
    """

    email = models.EmailField(_("adresse e-mail"), unique=True, null=True, blank=True)
    first_name = models.CharField(_("prénom"), max_length=60)
    last_name = models.CharField(_("nom"), max_length=60)
    pseudonym = models.CharField(
        _("pseudonyme"),
        max_length=40,
        blank=True,
        help_text=_("Le seul nom que voient les personnes hors de votre communauté."),
    )
    # Parsed when read (accounts/fields.py): most pages load users without showing them.
    # Typed Any, as the untyped django-phonenumber-field made them: a PhoneNumber or "".
    mobile: Any = LazyPhoneNumberField(_("téléphone mobile"), blank=True)
    mobile_verified = models.BooleanField(_("mobile vérifié"), default=False)
    landline: Any = LazyPhoneNumberField(_("téléphone fixe"), blank=True)
    hide_mobile = models.BooleanField(_("masquer mon mobile dans l'annuaire"), default=False)
    hide_landline = models.BooleanField(_("masquer mon fixe dans l'annuaire"), default=False)
    newsletter = models.BooleanField(_("recevoir la lettre d'information"), default=False)
    # Alerts go by SMS unless the member turned it off; only someone reachable by push
    # may (preferences.py enforces it).
    alert_sms = models.BooleanField(_("recevoir les alertes par SMS"), default=True)
    # A phone call that reads the alert aloud, for those who read with difficulty.
    alert_voice = models.BooleanField(_("recevoir les alertes par appel vocal"), default=False)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    is_staff = models.BooleanField(_("équipe MonQuartier"), default=False)
    # An account of a partner town hall's agent (townhalls.Agent says which): never a
    # member of a community, and it logs in with a second factor, like staff.
    is_town_hall_agent = models.BooleanField(_("agent de mairie partenaire"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    closed_at = models.DateTimeField(_("compte fermé le"), null=True, blank=True)
    # When the retention job erased what closing left (docs/retention.md).
    traces_erased_at = models.DateTimeField(_("traces effacées le"), null=True, blank=True)
    # Set by staff on an account that impersonates someone (support's identity-theft
    # tickets): it cannot log in and its name is shown nowhere until staff restore or
    # close it. is_active is False meanwhile, which every delivery and fan-out reads.
    suspended_at = models.DateTimeField(_("compte suspendu le"), null=True, blank=True)
    # When staff last ended every session of the account (a suspension): the sessions
    # opened before no longer pass Django's check (_get_session_auth_hash), even once the
    # account is restored.
    sessions_ended_at = models.DateTimeField(_("sessions fermées le"), null=True, blank=True)

    objects = UserManager()

    @property
    def needs_second_factor(self) -> bool:
        """Staff and town-hall agents see what members do not: they type a code too."""
        return self.is_staff or self.is_town_hall_agent

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        indexes = [models.Index(fields=["mobile"], name="user_mobile_idx")]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # NULL, not "", so that the unique constraint allows many members without e-mail.
        self.email = self.email.strip().lower() if self.email else None
        # set_password() keeps the new password here until the save, whatever calls it
        # (allauth's change and reset, the admin, changepassword): the apps' tokens go
        # with the old password, as the sessions do.
        password_changed = getattr(self, "_password", None) is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            DeviceToken.objects.filter(user=self).delete()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    # Django's own salt: for an account whose sessions were never ended, the hash stays
    # Django's, so nobody is logged out by these methods existing.
    _SESSION_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

    def _session_hash(self, secret: str | bytes | None) -> str:
        value = self.password or ""
        if self.sessions_ended_at is not None:
            value = f"{value}|{self.sessions_ended_at.isoformat()}"
        return salted_hmac(self._SESSION_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None and not self.is_closed

    @property
    def full_name(self) -> str:
        if self.is_closed:
            return str(_("Ancien membre"))
        if self.is_suspended:
            # Perhaps someone else's name: shown to nobody while staff verify.
            return str(_("Compte suspendu"))
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def short_name(self) -> str:
        """First name and the initial of the last name: 'Awa K.'"""
        if self.is_closed:
            return str(_("Ancien membre"))
        if self.is_suspended:
            return str(_("Compte suspendu"))
        initial = f" {self.last_name[:1].upper()}." if self.last_name else ""
        return f"{self.first_name}{initial}"

    @property
    def public_name(self) -> str:
        """The name shown outside the member's community: pseudonym, else 'Awa K.'"""
        if self.is_closed:
            return str(_("Ancien membre"))
        if self.is_suspended:
            return str(_("Compte suspendu"))
        return self.pseudonym or self.short_name

    def get_short_name(self) -> str:
        return self.first_name

    def get_full_name(self) -> str:
        return self.full_name

    @property
    def mobile_display(self) -> str:
        return format_for_display(self.mobile)

    @property
    def landline_display(self) -> str:
        return format_for_display(self.landline)


def _photo_path(instance: "Profile", filename: str) -> str:
    # A random name: the URL of a photo must not be guessable from the member's id.
    return f"photos/{uuid.uuid4().hex}.jpg"


class HousingType(models.TextChoices):
    HOUSE = "house", _("Maison / villa")
    COURTYARD = "courtyard", _("Cour commune")
    APARTMENT = "apartment", _("Appartement")
    OTHER = "other", _("Autre")


class Profile(models.Model):
    """What a member tells about themself. Everything here is optional.

    The housing details are for the member alone (and staff): no page shows them to
    anyone else.
    """

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("membre"),
    )
    photo = models.ImageField(_("photo"), upload_to=_photo_path, blank=True)
    photo_thumbnail = models.ImageField(_("vignette"), upload_to=_photo_path, blank=True)
    description = models.TextField(_("présentation"), max_length=600, blank=True)
    interests = models.CharField(_("centres d'intérêt"), max_length=200, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    housing_type = models.CharField(
        _("type de logement"), max_length=16, choices=HousingType.choices, blank=True
    )
    has_alarm = models.BooleanField(_("logement équipé d'une alarme"), default=False)
    has_guard = models.BooleanField(_("gardien"), default=False)
    housing_notes = models.TextField(_("autres détails du logement"), max_length=600, blank=True)
    show_photo_on_public_page = models.BooleanField(
        _("montrer ma photo sur la page publique de la communauté"), default=False
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return str(self.user)


class Home(models.Model):
    """Where a member lives: many Ivorian addresses have no street number, so the
    lot/îlot and a landmark matter as much as the pin."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="home",
        verbose_name=_("membre"),
    )
    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.PROTECT,
        related_name="homes",
        verbose_name=_("commune"),
    )
    quartier = models.CharField(_("quartier"), max_length=80)
    address_details = models.CharField(
        _("adresse"),
        max_length=200,
        blank=True,
        help_text=_("Lot, îlot, rue, immeuble, porte…"),
    )
    landmark = models.CharField(
        _("point de repère"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : derrière la pharmacie, après le château d'eau."),
    )
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("domicile")
        verbose_name_plural = _("domiciles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="home_pin_on_earth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quartier}, {self.commune}"

    @property
    def one_line(self) -> str:
        parts = [self.address_details, self.quartier, self.commune.name]
        return ", ".join(part for part in parts if part)


class DataExport(models.Model):
    """One download of "my data": the flood limit counts these (each zips every file)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("téléchargement de mes données")
        verbose_name_plural = _("téléchargements de mes données")
        indexes = [models.Index(fields=["user", "created_at"], name="data_export_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class DeviceTokenQuerySet(models.QuerySet):
    def for_secret(self, secret: str) -> "DeviceTokenQuerySet":
        return self.filter(token_hash=DeviceToken.hash_secret(secret))


class DeviceToken(models.Model):
    """An app's sign-in on one device (monquartier.api): the member names the device and
    revokes it in Paramètres ("Appareils connectés").

    Only the SHA-256 of the secret is stored: the secret is shown once, to the app that
    signed in, and a copy of the database opens no account. The secret has 32 random
    bytes, so a plain (unsalted) hash is enough: nobody can try all secrets. Revoking
    deletes the row; changing the password, suspending or closing the account revokes
    every token (User.save, suspend_account, close_account)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_tokens")
    name = models.CharField(_("appareil"), max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("connecté le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    objects = DeviceTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("appareil connecté")
        verbose_name_plural = _("appareils connectés")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="device_token_by_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
