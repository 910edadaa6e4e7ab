"""Settings for the renewal portal, read once from the environment.

With no environment at all (the `make run` default) the portal runs on an
embedded SQLite file under var/, runs Celery tasks in-process and writes mail to
files under var/mail/. Production sets DJANGO_DEBUG=false, a real secret key,
DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL and the Stripe keys.
"""

from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.redis_cache import with_reused_clients

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production"
    )
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin with the portal's admin site (renewal_portal/admin_site.py).
    "renewal_portal.admin_apps.PortalAdminConfig",
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
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    # Database triggers declared on the models (holders.renewal_version).
    "pgtrigger",
    "import_export",
    "phonenumber_field",
    "localflavor",
    "django_celery_beat",
    # The ground floor every app uses: shared template filters (core/templatetags/), AASC's
    # contact details and FAQ (core.models).
    "core",
    "holders",
    "credentials",
    "cecs",
    "payments",
    # Last: its admin extends the apps' admins with views that need them all.
    "renewal_portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, which answers /static/ itself without calling what follows: static
    # files (an SVG opened directly, say) get the same CSP and frame headers as pages.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "renewal_portal.middleware.SessionAgeLimitMiddleware",
    "renewal_portal.middleware.StaffMfaMiddleware",
    # Axes must come last: it turns a locked-out login into a clear 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "renewal_portal.urls"
WSGI_APPLICATION = "renewal_portal.wsgi.application"

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
                "holders.context_processors.roles",
                # AASC's contact details, read lazily from the cache (core.association).
                "core.context_processors.association",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/admin/widgets/ can label the admin's
# date-and-time inputs (django.forms, installed, supplies the built-in widget templates).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Log-in rate limits are counted in the cache: use Redis when several processes serve.
CACHES = {"default": with_reused_clients(env.cache("CACHE_URL", default="locmemcache://"))}
# The holder pages (dashboard, CEC status, invoice, reporting forms, classes) keep their
# rendered parts in the cache, keyed by the holder's renewal version (core.page_cache;
# PostgreSQL only).
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=True)

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "holders.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "holders.auth.PortalModelBackend",
    "holders.auth.PortalAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "holders.forms.SignupNamesForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[AASC renewals] "
ACCOUNT_SESSION_REMEMBER = False
# Tell the account's address when its password, sign-in email or two-factor settings change,
# so that someone who did not make the change knows at once (templates/account/email/).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Answers sign-up for every address alike and counts limits per client (core.client_ip);
# its "key" (5 failures per 5 minutes) is the account at one client address, as axes locks.
ACCOUNT_ADAPTER = "holders.auth.PortalAccountAdapter"
# The password forms, labelled in sentence case (holders.account_forms).
ACCOUNT_FORMS = {
    "change_password": "holders.account_forms.ChangePasswordForm",
    "set_password": "holders.account_forms.SetPasswordForm",
    "reset_password_from_key": "holders.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_RATE_LIMITS = {
    # allauth's own limits for the portal log-in; axes below also covers the admin.
    "login_failed": "10/m/ip,5/5m/key",
}

# django-axes: lock a user+IP pair after repeated failures, for an hour only
# (a permanent lock would let anyone lock a holder out of renewing).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "holders.auth.login_identifier"

# How many proxies in front of gunicorn append the client's address to X-Forwarded-For
# (docker-compose's web: 1, the TLS proxy). 0 means clients connect directly and the header,
# which they could forge, is never read. Every limiter counts per client through
# core.client_ip.client_ip, which takes the N-th address from the right; keyed on REMOTE_ADDR
# they saw only the proxy, so one client's failures locked everyone out.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"  # instead of axes' django-ipware lookup
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # PortalAccountAdapter reads core.client_ip
RATELIMIT_IP_META_KEY = "core.client_ip.client_ip"  # django-ratelimit's key="ip"

# Sessions end after 30 minutes idle (renewed while in use) and 12 hours
# after log-in whatever the activity (SessionAgeLimitMiddleware).
SESSION_COOKIE_AGE = 30 * 60
# Read from the cache (Redis in production), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# SessionAgeLimitMiddleware renews the session at most once a minute instead.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Staff and reviewers must set up two-factor authentication (allauth MFA, TOTP) before
# they reach the admin or the review pages. Off in the embedded demo.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "AASC renewals"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Denver"  # AASC is in Colorado Springs
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DEFAULT_FORMAT = "NATIONAL"
RENEWAL_SEASON_START_MONTH = env.int("RENEWAL_SEASON_START_MONTH", default=11)
# The renewal year, from the current cycle (credentials). holders sits below credentials
# and reads it through this dotted path instead of importing it.
CURRENT_RENEWAL_YEAR = "credentials.selectors.current_renewal_year"
# The holder records that hold a credential number (credentials), for claiming a record
# (holders.selectors.claimable_record), read the same way.
HOLDERS_WITH_CREDENTIAL_NUMBER = "credentials.selectors.holders_with_credential_number"
# What a holder should do next, for mail sent by payments and cecs (core.next_step).
RENEWAL_NEXT_STEP = "renewal_portal.progress.next_step_text"
RENEWAL_NEXT_ACTION = "renewal_portal.dashboard.next_action"

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
# Holders' uploads: never under STATIC_ROOT or a served URL; views check permission.
PRIVATE_MEDIA_ROOT = Path(MEDIA_ROOT) / "private"
CEC_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# What one holder may keep stored at once (files and megabytes), so uploads cannot fill the disk.
CEC_UPLOAD_QUOTA_FILES = env.int("DJANGO_UPLOAD_QUOTA_FILES", default=50)
CEC_UPLOAD_QUOTA_BYTES = env.int("DJANGO_UPLOAD_QUOTA_MB", default=100) * 1024 * 1024
# clamd's Unix socket (e.g. /run/clamav/clamd.ctl); empty = no virus scan. When set and
# clamd does not answer, uploads are refused (fail closed).
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=30.0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Should an admin ever offer an import-export download, cells starting with "=" lose it
# (our own CSVs go through core.safe_csv, which covers all of OWASP's characters).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Without these django-import-export lets any staff user import (NAAEI reviewers too).
# The admins' GuardedImportMixin (core/admin_history.py) also asks for "add";
# these are the floor for an admin that forgets it.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Email ------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AASC Renewals <renewals@aasc.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# What account mail calls the site (holders.auth.PortalAccountAdapter; never the Host header).
SITE_NAME = env.str("SITE_NAME", default="AASC credential renewal")
# Mail a holder's own actions may send (filed forms, CEC submissions, confirmation links),
# per holder and counted in the cache: "10/h", "3/m", "20/6h". Over it the action is kept
# and its mail skipped (a confirmation link is refused with a message instead).
HOLDER_MAIL_RATE = env.str("HOLDER_MAIL_RATE", default="10/h")
ADMINS = [("Portal admin", address) for address in env.list("DJANGO_ADMINS", default=[])]
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured (the embedded default): run tasks in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long a worker holds a reminder while sending it. Another worker (or the sweep) may
# send it again only after this, so keep it well above the slowest mail send; a worker
# killed mid-send delays its reminder by this much (renewal_portal/reminders.py).
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=10 * 60)
# Task modules autodiscovery does not find (it imports each app's `tasks` module only).
CELERY_IMPORTS = ["cecs.reporting.tasks"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Loaded into django-celery-beat's tables at start-up; staff can then change times in the admin.
CELERY_BEAT_SCHEDULE = {
    "send-renewal-reminders": {
        "task": "reminders.sweep",
        "schedule": crontab(hour=8, minute=0),
    },
    "refresh-credential-statuses": {
        "task": "credentials.refresh_statuses",
        "schedule": crontab(hour=1, minute=15),
    },
    # Replaced scans stay on disk until this runs (cecs.reporting.uploads).
    "remove-orphan-uploads": {
        "task": "cecs.remove_orphan_uploads",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Stripe (used by payments/) -----------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Stripe is called while the holder waits on a gunicorn worker: bound each call (seconds per
# connect and per read; the library's default is 80) and its retries (safe: every write
# carries an idempotency key), so an unreachable Stripe costs one click ~20 s, not the site.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)

# --- Security -----------------------------------------------------------------
# Content Security Policy (django-csp): no inline script anywhere; Stripe Checkout is
# reached by a redirect after our own form posts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://checkout.stripe.com"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_emails": {"()": "renewal_portal.log_filters.RedactEmails"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_emails"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
