"""MonQuartier settings: everything that varies between machines comes from the environment.

DJANGO_ENV=production turns on the production rules: SECRET_KEY and ALLOWED_HOSTS are
required, DEBUG must stay off, cookies are secure and HSTS is sent. See docs/deployment.md.
"""

import importlib.util
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from monquartier.core.env import env_bool, env_bounds, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_choice("DJANGO_ENV", "development", ("development", "production"))
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
else:
    SECRET_KEY = env_str("SECRET_KEY", "development-only-key-never-use-it-on-a-server-0123456789")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DJANGO_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The address of the site as members see it: used in e-mails and SMS built by the worker,
# which has no request to read it from.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
SITE_NAME = "MonQuartier"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "monquartier.core",
    "monquartier.audit",
    "monquartier.outbox",
    "monquartier.places",
    "monquartier.helpcentre",
    "monquartier.accounts",
    "monquartier.communities",
    "monquartier.notifications",
    "monquartier.moderation",
    "monquartier.alerts",
    "monquartier.townhalls",
    "monquartier.messaging",
    "monquartier.gazette",
    "monquartier.newsletters",
    "monquartier.invitations",
    "monquartier.support",
    "monquartier.shop",
    "monquartier.staffops",
    "monquartier.ussd",
    "monquartier.web",
    "monquartier.api",
    "ninja",  # the API's documentation page, from its own static files
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "monquartier.accounts.middleware.MemberLanguageMiddleware",
    # Every view needs a logged-in user unless it says otherwise (login_not_required).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "monquartier.core.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "monquartier.accounts.middleware.SecondFactorMiddleware",
    "monquartier.core.middleware.RateLimitedMiddleware",
]

ROOT_URLCONF = "monquartier.urls"
# Our field template (templates/django/forms/field.html) puts a checkbox before its label.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "monquartier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "monquartier.core.context_processors.site",
            ],
        },
    },
]


DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode a named cursor (QuerySet.iterator()) cannot outlive
# its transaction's server connection (docs/operations.md, Scale-out).
# A session's advisory lock would outlive its server connection too: the senders do not
# count each other there (outbox/wakes.py).
DATABASE_BEHIND_POOLER = env_bool("DATABASE_BEHIND_POOLER", False)
if DATABASE_BEHIND_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs the web server and the worker on one SQLite file: WAL lets them read
    # while the other writes, IMMEDIATE takes the write lock up front instead of failing late.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, for the test database: the browser tests' live server then
    # opens its own connection in each thread instead of sharing the test's.
    # One file per process, so that two test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env_str("CACHE_URL", "locmem://")
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "monquartier.core.cache.RedisCache",
            "LOCATION": _cache_url,
        }
    }
elif _cache_url == "db://":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}
    }
elif _cache_url == "locmem://":
    if PRODUCTION:
        # Rate limits live in the cache: a per-process cache would multiply them by the
        # number of gunicorn workers.
        raise ImproperlyConfigured("CACHE_URL must be redis://… or db:// in production.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={_cache_url!r}: use redis://host:port/db, db:// or locmem://."
    )

# With Redis, sessions are read from it and written through to the database: one query
# less on every page, and a restarted Redis logs nobody out.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _cache_url.startswith(("redis://", "rediss://"))
    else "django.contrib.sessions.backends.db"
)

# Member pages answered from the cache while nothing they show has changed
# (core/pagecache.py). PAGE_CACHE_SECONDS bounds how late a change that only time brings
# (an announcement's period) shows.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", default=True)
# Its own cache, so that a Redis made to evict (allkeys-lru: a lost page or version only
# renders again) never evicts the rate limits of the default cache. By default, the same
# server as the default cache.
_page_cache_url = env_str("PAGE_CACHE_URL", "")
if _page_cache_url.startswith(("redis://", "rediss://")):
    CACHES["pages"] = {
        "BACKEND": "monquartier.core.cache.RedisCache",
        "LOCATION": _page_cache_url,
    }
elif _page_cache_url:
    raise ImproperlyConfigured(f"PAGE_CACHE_URL={_page_cache_url!r}: use redis://host:port/db.")
elif CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
    }
else:
    CACHES["pages"] = CACHES["default"]
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=1)


AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 2 * 3600, minimum=300)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "monquartier.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "monquartier.accounts.forms.SignupForm",
    "login": "monquartier.accounts.forms.LoginForm",
    "reset_password": "monquartier.accounts.forms.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MonQuartier] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# Pages that could hand the account over (e-mail, phones, password, second factor) ask
# for the password again unless it was typed this long ago or less in the session.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 15 * 60
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = 2
# Per-address limits need the visitor's address, not the proxy's: behind nginx every
# request comes from 127.0.0.1, which would make each limit one for the whole site. The
# proxies in front of gunicorn append the address they see to X-Forwarded-For; the
# right-most one that our own proxies added is the visitor's (docs/deployment.md).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0, minimum=0)
ACCOUNT_RATE_LIMITS = {
    # Five wrong passwords for one e-mail in 5 minutes, 10 failures a minute from one address.
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "10/m/ip,3/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
    "change_phone": "3/m/user",
}

# Staff see members' personal data: a second factor (an authenticator app's code, or a
# recovery code) at every log-in, and no page before it is set up (accounts/middleware.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MonQuartier"


LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Abidjan"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "CI"
PHONENUMBER_DEFAULT_FORMAT = "E164"


STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Leaflet comes from the django-leaflet package (pinned in the lock file); only its files
# are used, not the app, which needs GDAL.
_leaflet_package = importlib.util.find_spec("leaflet")
if _leaflet_package is None or not _leaflet_package.submodule_search_locations:
    raise ImproperlyConfigured("The django-leaflet package is missing: run make install.")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("leaflet", Path(_leaflet_package.submodule_search_locations[0]) / "static" / "leaflet"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", default=PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if PRODUCTION else 0
# Member photos are served by a view that checks who asks; in production the view hands
# the file to the reverse proxy through this internal prefix (X-Accel-Redirect).
PROTECTED_MEDIA_ACCEL_PREFIX = env_str("PROTECTED_MEDIA_ACCEL_PREFIX", "")
PHOTO_MAX_UPLOAD_BYTES = env_int("PHOTO_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 1280
PHOTO_THUMBNAIL_SIDE = 160
GAZETTE_MAX_ATTACHMENTS = 6
GAZETTE_PDF_MAX_BYTES = env_int("GAZETTE_PDF_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# A photo or a PDF joined to a support ticket (a screenshot of a fake profile, a letter).
SUPPORT_ATTACHMENT_MAX_BYTES = env_int(
    "SUPPORT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024


# Everything a person can make others receive, or make us pay for (SMS), is limited here
# and only here (monquartier/core/flood.py): name -> (how many, in how many seconds).
FLOOD_LIMITS = {
    # A real emergency rarely needs more; the same on every channel.
    "alert": (5, 10 * 60),
    # Each alert may cost an SMS per member: a community's alerts are capped too.
    "community_alert": (20, 60 * 60),
    "message": (30, 10 * 60),
    "gazette_post": (10, 24 * 3600),
    # One person's join requests and cancellations together: each request notifies the
    # référents, and request-cancel rounds would notify them again and again.
    "join_request": (5, 24 * 3600),
    # SMS received from one number; past it, the messages are recorded and ignored.
    "sms_inbound": (6, 10 * 60),
    # Our replies to one number (each costs an SMS); to a number that belongs to no member,
    # fewer: a second reply helps nobody.
    "sms_reply": (20, 24 * 3600),
    "sms_reply_unknown": (1, 24 * 3600),
    # Call-back requests from the USSD menu (each notifies référents): per number, and
    # per community so that a few numbers cannot bury its référents.
    "ussd_callback": (1, 24 * 3600),
    "ussd_callback_community": (10, 24 * 3600),
    # USSD sessions (each billed to us by the provider): per number, and per community.
    "ussd_session": (
        env_int("USSD_SESSIONS_PER_NUMBER", 30, minimum=1),
        24 * 3600,
    ),
    "ussd_session_community": (
        env_int("USSD_SESSIONS_PER_COMMUNITY", 1000, minimum=1),
        24 * 3600,
    ),
    # Neighbours registered without internet: each costs an SMS to a number we never saw.
    "neighbour_by_referent": (5, 24 * 3600),
    "neighbour_by_community": (10, 24 * 3600),
    # Verification codes by SMS (allauth spaces them out; these cap a day's).
    "sms_code_account": (5, 24 * 3600),
    "sms_code_number": (5, 24 * 3600),
    # Invitations of town-hall agents sent by one person, and town-hall announcements
    # (each reaches every member of the chosen communities).
    "agent_invitation": (10, 24 * 3600),
    "town_hall_announcement": (10, 24 * 3600),
    # Messages of one agent to communities' référents (a notification to each).
    "town_hall_message": (20, 24 * 3600),
    # Presentations of MonQuartier a member sends to their town hall.
    "town_hall_presentation": (3, 7 * 24 * 3600),
    # Signage orders of one town hall (staff handle each by hand).
    "signage_order": (5, 24 * 3600),
    # Test sends of the newsletter by one staff member, and a member's data exports (each
    # zips all their files).
    "newsletter_test": (10, 3600),
    "data_export": (3, 24 * 3600),
    # Invitations to neighbours: SMS cost us, e-mails could make us a spam relay. A member's
    # and a community's per day; an addressee gets one invitation a week whoever sends it.
    "invitation_sms_member": (5, 24 * 3600),
    "invitation_sms_community": (20, 24 * 3600),
    "invitation_email_member": (10, 24 * 3600),
    "invitation_email_community": (50, 24 * 3600),
    "invitation_per_address": (1, 7 * 24 * 3600),
    # Tickets to the support desk: of one member, one visitor's address or one network
    # address; all visitors' together (a bot spread over many addresses); the messages
    # a requester adds to one ticket.
    "support_ticket": (5, 24 * 3600),
    "support_visitors": (60, 3600),
    "support_message": (20, 24 * 3600),
    # Shop orders of one member (each holds stock until paid or expired), and the order
    # SMS (paid, shipped) of one account and of one community's members.
    "shop_order": (5, 24 * 3600),
    "shop_sms_account": (6, 24 * 3600),
    "shop_sms_community": (60, 24 * 3600),
    # Voice alert calls (each costs us a call, answered or not): to one member, and for
    # one community, per day.
    "voice_call_account": (10, 24 * 3600),
    "voice_call_community": (300, 24 * 3600),
    # Escalation SMS of alerts nobody acknowledged (alerts/escalation.py): to one number,
    # and for one community, per day.
    "escalation_sms_number": (10, 24 * 3600),
    "escalation_sms_community": (60, 24 * 3600),
}
# Invitations refused because the addressee is a member or said STOP, per member and day:
# past it, the form stops answering (it must not become a way to find out who is a member).
INVITATION_TELLING_REFUSALS_PER_DAY = env_int("INVITATION_TELLING_REFUSALS_PER_DAY", 10, minimum=1)
# The numbers and addresses of invited neighbours are erased after this (invitations/jobs.py).
INVITATION_ADDRESS_KEPT_DAYS = env_int("INVITATION_ADDRESS_KEPT_DAYS", 90, minimum=30)
# A community registers neighbours without internet only once it has existed this long:
# a community made in a minute must not become an SMS cannon (docs/decisions.md).
NEIGHBOUR_REGISTRATION_AFTER_DAYS = env_int("NEIGHBOUR_REGISTRATION_AFTER_DAYS", 7, minimum=0)


MAP_TILES_URL = env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "© OpenStreetMap")
_tiles = urlsplit(MAP_TILES_URL.replace("{s}.", ""))
MAP_TILES_ORIGIN = f"{_tiles.scheme}://{'*.' if '{s}' in MAP_TILES_URL else ''}{_tiles.netloc}"
# Where community areas may be drawn (west, south, east, north): Côte d'Ivoire and about
# half a degree around it. Points outside are refused before any other work.
SERVICE_AREA_BOUNDS = env_bounds("SERVICE_AREA_BOUNDS", (-9.1, 3.85, -2.0, 11.25))


EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "monquartier.outbox.email.DevOutboxEmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
# SMTP connections one sender task opens at once for a batch (outbox/transports.py).
EMAIL_SMTP_CONNECTIONS = env_int("EMAIL_SMTP_CONNECTIONS", 4, minimum=1, maximum=32)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MonQuartier <ne-pas-repondre@monquartier.ci>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Where a town hall writes to subscribe (the presentation a member sends says so).
PARTNERSHIP_EMAIL = env_str("PARTNERSHIP_EMAIL", "mairies@monquartier.ci")
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "aide@monquartier.ci")

SMS_SENDER_NAME = env_str("SMS_SENDER_NAME", "MonQuartier")
# Extra keyword arguments for the SMS backend of the alert senders (e.g. timeouts).
SMS_BACKEND_OPTIONS: dict = {}
# The secret part of the SMS webhooks' URLs (inbound messages, delivery reports):
# /webhooks/sms/<provider>/<secret>/… — the providers we use do not sign their calls.
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET", "" if PRODUCTION else "dev-webhook-secret")
if PRODUCTION and len(SMS_WEBHOOK_SECRET) < 24:
    raise ImproperlyConfigured(
        "SMS_WEBHOOK_SECRET (24+ random characters) is required in production."
    )
# The secret part of the USSD callback's URL (/webhooks/ussd/<secret>/): Africa's
# Talking does not sign its calls either. A session's state lives this long.
USSD_WEBHOOK_SECRET = env_str("USSD_WEBHOOK_SECRET", "" if PRODUCTION else "dev-ussd-secret")
if PRODUCTION and len(USSD_WEBHOOK_SECRET) < 24:
    raise ImproperlyConfigured(
        "USSD_WEBHOOK_SECRET (24+ random characters) is required in production."
    )
USSD_SESSION_SECONDS = 300
# What one USSD session costs us, in francs CFA (the provider bills each session).
USSD_SESSION_PRICE = env_int("USSD_SESSION_PRICE", 10, minimum=0)
ORANGE_SMS_API_URL = env_str("ORANGE_SMS_API_URL", "https://api.orange.com")
ORANGE_SMS_CLIENT_ID = env_str("ORANGE_SMS_CLIENT_ID", "")
ORANGE_SMS_CLIENT_SECRET = env_str("ORANGE_SMS_CLIENT_SECRET", "")
ORANGE_SMS_SENDER_ADDRESS = env_str("ORANGE_SMS_SENDER_ADDRESS", "")
ORANGE_SMS_SENDER_NAME = env_str("ORANGE_SMS_SENDER_NAME", "")
ORANGE_SMS_NOTIFY_URL = env_str("ORANGE_SMS_NOTIFY_URL", "")
AFRICASTALKING_API_URL = env_str(
    "AFRICASTALKING_API_URL", "https://api.africastalking.com/version1/messaging"
)
AFRICASTALKING_USERNAME = env_str("AFRICASTALKING_USERNAME", "")
AFRICASTALKING_API_KEY = env_str("AFRICASTALKING_API_KEY", "")
AFRICASTALKING_SENDER_ID = env_str("AFRICASTALKING_SENDER_ID", "")
# The SMS backend. In production, when SMS_BACKEND is not set, the providers whose
# credentials are set decide: both, the routing by operator below (each operator's
# cheaper provider, the other in turn when one fails); one, that one.
_ORANGE_CONFIGURED = bool(
    ORANGE_SMS_CLIENT_ID and ORANGE_SMS_CLIENT_SECRET and ORANGE_SMS_SENDER_ADDRESS
)
_AFRICASTALKING_CONFIGURED = bool(AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY)
if _ORANGE_CONFIGURED and _AFRICASTALKING_CONFIGURED:
    _PRODUCTION_SMS_BACKEND = "monquartier.outbox.sms.RoutingSMSBackend"
elif _ORANGE_CONFIGURED:
    _PRODUCTION_SMS_BACKEND = "monquartier.outbox.sms.OrangeSMSBackend"
elif _AFRICASTALKING_CONFIGURED:
    _PRODUCTION_SMS_BACKEND = "monquartier.outbox.sms.AfricasTalkingSMSBackend"
else:
    _PRODUCTION_SMS_BACKEND = ""
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    _PRODUCTION_SMS_BACKEND if PRODUCTION else "monquartier.outbox.sms.DevOutboxSMSBackend",
)
if PRODUCTION and not SMS_BACKEND:
    raise ImproperlyConfigured(
        "SMS_BACKEND, or the credentials of an SMS provider, are required when DJANGO_ENV=production."
    )
# SMS routing (outbox/sms/routing.py), with SMS_BACKEND = "monquartier.outbox.sms.RoutingSMSBackend":
# the provider of each operator (by the number's prefix after +225: 07 Orange, 05 MTN,
# 01 Moov), the others in turn while its circuit is open (SMS_CIRCUIT_FAILURES batches
# failing in SMS_CIRCUIT_WINDOW_SECONDS open it for SMS_CIRCUIT_OPEN_SECONDS, then a trial).
SMS_PROVIDERS: dict = {
    "orange": {"BACKEND": "monquartier.outbox.sms.OrangeSMSBackend", "OPTIONS": {}},
    "africastalking": {"BACKEND": "monquartier.outbox.sms.AfricasTalkingSMSBackend", "OPTIONS": {}},
}
SMS_ROUTES = {"orange": "orange", "mtn": "africastalking", "moov": "africastalking"}
SMS_DEFAULT_PROVIDER = "africastalking"
SMS_CIRCUIT_FAILURES = env_int("SMS_CIRCUIT_FAILURES", 5, minimum=1)
SMS_CIRCUIT_WINDOW_SECONDS = env_int("SMS_CIRCUIT_WINDOW_SECONDS", 60, minimum=1)
SMS_CIRCUIT_OPEN_SECONDS = env_int("SMS_CIRCUIT_OPEN_SECONDS", 120, minimum=1)
# What a segment costs us, in francs CFA (XOF), by provider then operator ("other": fixed
# lines, foreign numbers). Recorded on every SMS sent (Delivery.cost, TextMessage.cost).
# Our contracts' figures (docs/operations.md, "What SMS cost"); each can be set from the
# environment as SMS_PRICE_<PROVIDER>_<OPERATOR>, e.g. SMS_PRICE_ORANGE_MTN=22.5.
_SMS_PRICE_DEFAULTS = {
    # Orange's own network is the cheapest; its SMS to the other networks cost more.
    "orange": {"orange": "15", "mtn": "25", "moov": "25", "other": "45"},
    # Africa's Talking: about the same to every Ivorian network, dearer than Orange on its own.
    "africastalking": {"orange": "22", "mtn": "18", "moov": "18", "other": "45"},
}


def _sms_price(provider: str, operator: str, default: str) -> str:
    name = f"SMS_PRICE_{provider.upper()}_{operator.upper()}"
    value = env_str(name, default).strip()
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(
            f"{name} must be a price in francs CFA, not {value!r}."
        ) from None
    if not price.is_finite() or price < 0 or price > 1000:
        raise ImproperlyConfigured(f"{name} must be between 0 and 1000 francs CFA.")
    return value


SMS_PRICES: dict = {
    provider: {operator: _sms_price(provider, operator, price) for operator, price in table.items()}
    for provider, table in _SMS_PRICE_DEFAULTS.items()
}

# Alerts: the SMS waits this long for the member to open the alert (PRODUCT.md: at most
# 4 minutes); how many sender tasks share an alert's e-mails, pushes and SMS.
ALERT_SMS_DELAY_SECONDS = env_int("ALERT_SMS_DELAY_SECONDS", 180, minimum=0, maximum=240)
# Voice alerts (outbox/voice/): Africa's Talking Voice calls the member, fetches our XML
# from the callback URL (set for the number in its dashboard, with the secret) and plays
# our espeak-ng audio. Development "calls" into the development outbox.
VOICE_BACKEND = env_str(
    "VOICE_BACKEND", "" if PRODUCTION else "monquartier.outbox.voice.dev.DevVoiceBackend"
)
AFRICASTALKING_VOICE_API_URL = env_str(
    "AFRICASTALKING_VOICE_API_URL", "https://voice.africastalking.com/call"
)
AFRICASTALKING_VOICE_NUMBER = env_str("AFRICASTALKING_VOICE_NUMBER", "")
VOICE_WEBHOOK_SECRET = env_str("VOICE_WEBHOOK_SECRET", SMS_WEBHOOK_SECRET)
if PRODUCTION and VOICE_BACKEND and len(VOICE_WEBHOOK_SECRET) < 24:
    raise ImproperlyConfigured(
        "VOICE_WEBHOOK_SECRET (24+ random characters) is required with a VOICE_BACKEND."
    )
# What a minute of call costs us (francs CFA, each started minute counts), for the
# counted calls (outbox.VoiceCall); an unanswered call is tried again at most this many
# times, this long apart.
VOICE_PRICE_PER_MINUTE = env_int("VOICE_PRICE_PER_MINUTE", 60, minimum=0)
VOICE_MAX_RETRIES = env_int("VOICE_MAX_RETRIES", 2, minimum=0, maximum=2)
VOICE_RETRY_DELAY_SECONDS = env_int("VOICE_RETRY_DELAY_SECONDS", 300, minimum=30)
# The audio URL handed to the provider is signed and lasts this long.
VOICE_AUDIO_URL_MAX_AGE = 2 * 24 * 3600
ALERT_SENDER_TASKS = env_int("ALERT_SENDER_TASKS", 2, minimum=1, maximum=32)
# The nightly prune of delivery records deletes this many rows of each table at most
# (docs/operations.md, Scale-out: more than a day of the whole country's deliveries).
OUTBOX_PRUNE_MAX_ROWS = env_int("OUTBOX_PRUNE_MAX_ROWS", 5_000_000, minimum=5_000)
# Alerts held by the safeguards (alerts/holds.py): staff are told again after this many
# minutes without a decision; after the second, the alert is closed unsent.
ALERT_HOLD_REMIND_MINUTES = env_int("ALERT_HOLD_REMIND_MINUTES", 5, minimum=1, maximum=60)
ALERT_HOLD_EXPIRE_MINUTES = env_int("ALERT_HOLD_EXPIRE_MINUTES", 120, minimum=10, maximum=1440)
# Web push (VAPID). Without keys, development generates a pair in .vapid-dev.json.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:equipe@monquartier.ci")
PUSH_TTL_SECONDS = env_int("PUSH_TTL_SECONDS", 6 * 3600, minimum=0)
# The certificate authorities web push trusts; empty: certifi's (docs/deployment.md).
PUSH_CA_FILE = env_str("PUSH_CA_FILE", "")
if PRODUCTION and not (VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured(
        "VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY are required in production (manage.py generate_vapid_keys)."
    )

# Native apps' pushes: Firebase Cloud Messaging, HTTP v1 (outbox/fcm.py). Without a service
# account (the path of its JSON key file, or the JSON itself), app pushes are skipped.
FCM_SERVICE_ACCOUNT = env_str("FCM_SERVICE_ACCOUNT", "")
FCM_PROJECT_ID = env_str("FCM_PROJECT_ID", "")  # default: the service account's project
FCM_ENDPOINT = env_str("FCM_ENDPOINT", "https://fcm.googleapis.com")
FCM_TOKEN_URI = env_str("FCM_TOKEN_URI", "")  # default: the service account's token_uri

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}


X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from the page, not from the cookie
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads the language choice
# Lax, not Strict: a member who opens an alert's link from an SMS or an e-mail arrives
# from another site and must find their session.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE: Literal["Lax", "Strict", "None"] = "Lax"  # set_cookie's type
SESSION_COOKIE_AGE = 60 * 24 * 3600  # members on shared phones can untick "remember me"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# No inline script anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", MAP_TILES_ORIGIN],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "manifest-src": [SELF],
        "worker-src": [SELF],
    }
}
# The signage shop's mobile-money aggregator (CinetPay's API v2, monquartier/shop/
# payments.py). Development and tests point at the fake aggregator of tests/fakes (the
# demo starts it); production has no keys by default.
SHOP_PAYMENT_API_URL = env_str(
    "SHOP_PAYMENT_API_URL",
    "https://api-checkout.cinetpay.com" if PRODUCTION else "http://127.0.0.1:8766",
)
SHOP_PAYMENT_API_KEY = env_str("SHOP_PAYMENT_API_KEY", "" if PRODUCTION else "demo-api-key")
SHOP_PAYMENT_SITE_ID = env_str("SHOP_PAYMENT_SITE_ID", "" if PRODUCTION else "105900")
SHOP_PAYMENT_SECRET_KEY = env_str(
    "SHOP_PAYMENT_SECRET_KEY", "" if PRODUCTION else "demo-secret-key-for-the-fake-wallet"
)
# The shop is optional: a deployment without a payment contract starts without it (its
# pages answer 404, its links are hidden, ShopConfig.ready() logs that it is off). On by
# by default when the keys are set; one of them missing (or SHOP_ENABLED=1 without them)
# is a half-configured contract, refused.
_SHOP_KEYS = (SHOP_PAYMENT_API_KEY, SHOP_PAYMENT_SITE_ID, SHOP_PAYMENT_SECRET_KEY)
SHOP_ENABLED = env_bool("SHOP_ENABLED", default=any(_SHOP_KEYS))
if SHOP_ENABLED and not all(_SHOP_KEYS):
    raise ImproperlyConfigured(
        "SHOP_ENABLED needs SHOP_PAYMENT_API_KEY, SHOP_PAYMENT_SITE_ID and "
        "SHOP_PAYMENT_SECRET_KEY (or set SHOP_ENABLED=0 to start without the shop)."
    )
# Minutes an order waits for its payment before it expires and gives its stock back.
SHOP_PAYMENT_MINUTES = env_int("SHOP_PAYMENT_MINUTES", 30, minimum=5)

# Only the map's "my position" button uses a powerful feature; everything else is off,
# for our pages and anything they could ever embed.
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), display-capture=(), payment=(), usb=(), "
    "serial=(), hid=(), bluetooth=(), midi=(), accelerometer=(), gyroscope=(), "
    "magnetometer=(), browsing-topics=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}
