"""Settings of the customer portal, read from the environment.

Every setting has a safe development default so that a fresh checkout runs with nothing
configured: a SQLite file, mail and SMS to the console, Celery tasks run in-process.
With DEBUG=0 the portal refuses to start when a secret it needs is missing.
`.env.example` lists every variable.
"""

from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def _required(name: str) -> str:
    value: str = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG=0 (see .env.example).")
    return value


DEBUG = env.bool("DEBUG", default=True)
# The public address of the portal, used in links sent by email and SMS.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="django-insecure-development-only-key-do-not-use-in-production"
    )
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
    )
    # A fixed Fernet key so that a development database stays readable across restarts.
    FIELD_ENCRYPTION_KEY = env.str(
        "FIELD_ENCRYPTION_KEY", default="ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMtISE="
    )
else:
    SECRET_KEY = _required("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be a random string of at least 50 characters when DEBUG=0."
        )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (see .env.example).")
    FIELD_ENCRYPTION_KEY = _required("FIELD_ENCRYPTION_KEY")
    try:
        Fernet(FIELD_ENCRYPTION_KEY)
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be a Fernet key (see .env.example)."
        ) from None
    if not PORTAL_BASE_URL.startswith("https://"):
        # Links in emails (unsubscribe, RFC 8058) must be HTTPS.
        raise ImproperlyConfigured("PORTAL_BASE_URL must be an https:// address when DEBUG=0.")
    # Login throttling, on which the CNIL's 50-bit password rule rests, must be shared by
    # every web process, and tasks must reach a worker: production needs Redis.
    _required("REDIS_URL")

# The key that seals the audit chain (an HMAC), kept out of the database so that whoever can
# write the database cannot forge a chain that verifies. Never change it: the chain would no
# longer verify.
if DEBUG:
    AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="development-only-audit-chain-key")
else:
    AUDIT_HMAC_KEY = _required("AUDIT_HMAC_KEY")
    if len(AUDIT_HMAC_KEY) < 32:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 random characters.")

# Where the daily signed line of the chain's head is sent; empty: the DPO's address.
AUDIT_ANCHOR_EMAIL = env.str("AUDIT_ANCHOR_EMAIL", default="")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Behind one TLS proxy, the client's address is the last one it adds to X-Forwarded-For:
# login rate limits and the audit trail must see the client, not the proxy.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if BEHIND_TLS_PROXY else 0


INSTALLED_APPS = [
    # Declarations of personal data are collected in this order (portal/personal_data.py).
    "accounts",
    "consent",
    "dsar",
    "retention",
    "messaging",
    "portal",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "anymail",
    "phonenumber_field",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.refuse_nul",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.permissions_policy",
    "portal.middleware.staff_mfa_required",
    "consent.middleware.global_privacy_control",
    # Last, so that their answers carry every header above; no middleware above reads the
    # body (CSRF reads it later, in the view's turn). Size first: the second reads forms.
    "portal.middleware.refuse_large_bodies",
    "portal.middleware.refuse_nul_in_forms",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.controller",
                "consent.context_processors.cookie_banner",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue instead of
    # failing; the test database is a file so that a separate worker process can open it.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the shared cache (rate limits). Unset: tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "portal",
        }
    }
else:
    # A folder every process of this machine shares, so that login rate limits hold however
    # many workers serve (an in-memory cache would count each worker's failures apart).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.str("CACHE_DIR", default=str(BASE_DIR / ".cache")),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without a broker, `runserver` also runs beat's schedule in its own process (portal/scheduler.py).
INPROCESS_JOBS = env.bool("INPROCESS_JOBS", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis gives a task not acknowledged within this time to another worker. Longer than any
# task runs and any countdown (retries wait 30 minutes at most); messages due later are
# released by the beat, never held by the broker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# CNIL délibération 2022-100: with login throttling (allauth's rate limits below) 50 bits of
# entropy suffice; staff accounts, which reach every client's data, need the "about 80 bits"
# of 12 characters of four kinds (12 * log2(95) = 78.8).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email",)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "accounts.passwords.EntropyValidator",
        "OPTIONS": {"min_bits": 50, "staff_min_bits": 78},
    },
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "client_dashboard"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    # Five wrong passwords for one login address from one network lock it for that network
    # for 15 minutes (the key holds both), and twenty from one /24 or /48 for that block
    # (accounts.adapters); 20 failures a minute from one IP address are refused whatever
    # the account.
    "login_failed": "20/m/ip,5/900s/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,3/900s/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/180s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Espace client")
USERSESSIONS_TRACK_ACTIVITY = False

# Documents and other private files: outside the static root, served only by views that
# check who asks.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
# Nothing is public media: MEDIA_URL only keeps Django's test server from reading request
# paths as file names under the project.
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The largest request body: a message's five attachments and its text. A larger one is
# refused from its Content-Length, before any of it is read (portal.middleware).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=5 * UPLOAD_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Email: Brevo through anymail when a key is set, the console otherwise.
BREVO_API_KEY = env.str("BREVO_API_KEY", default="")
EMAIL_BACKENDS = {
    "brevo": "anymail.backends.brevo.EmailBackend",
    "console": "portal.mail.ConsoleEmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
# EMAIL_BACKEND: brevo, console, smtp or a dotted path; unset, Brevo when its key is set and
# the console otherwise. The console prints whole emails, reset and invitation links
# included: with DEBUG=0 it must be chosen explicitly.
_email_backend = env.str("EMAIL_BACKEND", default="")
EMAIL_BACKEND = EMAIL_BACKENDS.get(_email_backend, _email_backend) or (
    EMAIL_BACKENDS["brevo"] if BREVO_API_KEY else EMAIL_BACKENDS["console"]
)
if not DEBUG and not BREVO_API_KEY and not _email_backend:
    raise ImproperlyConfigured(
        "Set BREVO_API_KEY, or EMAIL_BACKEND (console prints whole emails, links included, to "
        "the log: choose it explicitly) when DEBUG=0."
    )
if EMAIL_BACKENDS["smtp"] == EMAIL_BACKEND:
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
ANYMAIL = {
    "BREVO_API_KEY": BREVO_API_KEY,
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
}
if not DEBUG and BREVO_API_KEY and not ANYMAIL["WEBHOOK_SECRET"]:
    # Brevo's tracking webhook would otherwise take anyone's word for a bounce or a complaint.
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must be set with BREVO_API_KEY.")
# Another address for Brevo's API (a test double on loopback); empty: Brevo's own.
if env.str("BREVO_API_URL", default=""):
    ANYMAIL["BREVO_API_URL"] = env.str("BREVO_API_URL")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Espace client <ne-pas-repondre@localhost>"
)
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Marketing leaves from its own address, so that a complaint about it never hurts the
# delivery of replies and reminders.
MARKETING_FROM_EMAIL = env.str("MARKETING_FROM_EMAIL", default="Actualités <actualites@localhost>")

# SMS: Twilio with a messaging service when the three values are set, the console otherwise.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
# Seconds before the first retry of a message the provider could not take; doubled each
# time, at most one hour.
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=30)
# Dotted path of the SMS backend; empty: Twilio when the three values above are set, the
# console otherwise. messaging.sms.LocmemSmsBackend keeps them in memory (tests).
SMS_BACKEND = {"console": "messaging.sms.ConsoleSmsBackend"}.get(
    env.str("SMS_BACKEND", default=""), env.str("SMS_BACKEND", default="")
)
if not DEBUG and not SMS_BACKEND and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):
    # The console prints whole texts, unsubscribe links included.
    raise ImproperlyConfigured(
        "Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_MESSAGING_SERVICE_SID, or "
        "SMS_BACKEND=console explicitly, when DEBUG=0."
    )
# When marketing may go (Europe/Paris): ISO weekdays (1 = Monday), hours [start, end), and
# never on a French public holiday; a subdivision adds local ones ("57" for Moselle).
MARKETING_WEEKDAYS = env.list("MARKETING_WEEKDAYS", default=["1", "2", "3", "4", "5", "6"])
MARKETING_HOURS_START = env.str("MARKETING_HOURS_START", default="08:00")
MARKETING_HOURS_END = env.str("MARKETING_HOURS_END", default="20:00")
MARKETING_HOLIDAYS_SUBDIVISION = env.str("MARKETING_HOLIDAYS_SUBDIVISION", default="")
# Whether the SMS sender can receive replies: marketing SMS then end with "STOP"; otherwise
# with a short link to the unsubscribe page.
SMS_REPLIES_ENABLED = env.bool("SMS_REPLIES_ENABLED", default=True)

# Language and time: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# Static files, served by whitenoise.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers on every page.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # allauth shows the TOTP QR code as a data: URI.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The health check is probed over plain HTTP inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Tokens of links (invitations, resets, unsubscribes...) never reach a log line.
    "filters": {"redact_secrets": {"()": "portal.logs.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (console when DEBUG, mail to ADMINS) would print the lines
        # unmasked: its loggers write through the portal's handler only.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
CELERY_TIMEZONE = TIME_ZONE
# Workers keep the portal's logging (and its masking of link tokens) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# A staff invitation to the client area stays valid this many days, and works once.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# Rows the retention purge handles per statement.
PURGE_BATCH_SIZE = env.int("PURGE_BATCH_SIZE", default=1000)
# Prefix of generated customer numbers (C000042).
CUSTOMER_NUMBER_PREFIX = env.str("CUSTOMER_NUMBER_PREFIX", default="C")
