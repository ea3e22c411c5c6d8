"""Recourse settings: one module, driven by environment variables (see README's table)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_out_of_court_bodies,
    env_str,
    env_time_zone,
    local_secret_key,
    mailer_from_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RECOURSE_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
DATA_DIR.mkdir(parents=True, exist_ok=True)
# Production sets SECRET_KEY; a local run gets a random key kept in DATA_DIR (never a shared one).
SECRET_KEY = env_str("SECRET_KEY", "") or local_secret_key(DATA_DIR / "secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Links in emails: the address the portal serves. Without SITE_URL, the port `make run PORT=…`
# serves on (scripts/run.sh exports PORT), so no email points at a port nothing listens on.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "accounts.admin_site.RecourseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "enforcement",
    "appeals",
    "notifications",
    "demo",
    "transparency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # no-store, private unless a page opts out with @cache_public (static files are answered
    # above, by WhiteNoise).
    "accounts.middleware.PrivateByDefaultMiddleware",
    # Before anything reads a body: over-size requests are refused on their Content-Length, and
    # every error under /api/ leaves as JSON (config/edge.py).
    "config.edge.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.StaffSessionTimeoutMiddleware",
    "accounts.middleware.LoginThrottleMiddleware",
    # Names the signed-in person on configuration audit events (accounts/config_audit.py).
    "accounts.config_audit.AuditActorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "notifications.context_processors.unread_count",
            ],
            # One date format everywhere (`|when`, `|day`), without a {% load %} per template.
            "builtins": ["accounts.templatetags.when"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'recourse.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _default_db),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded run shares one SQLite file between web, worker and beat.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits need a real one in production) -----------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL in ("", "locmem:"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: use redis://..., rediss://... or locmem:."
    )

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.RoleBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Sign-up takes the same time whether or not the address has an account (accounts/signup.py);
# allauth answers both with the same page and one email (enumeration prevention).
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm", "login": "accounts.forms.SignInForm"}
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins: at most 5 per address in 5 minutes (and 10 a minute per IP); counted in the
# shared cache, so across gunicorn workers (`check --deploy` refuses a per-process cache).
LOGIN_ATTEMPTS_LIMIT = env_int("LOGIN_ATTEMPTS_LIMIT", 5, minimum=1)
LOGIN_ATTEMPTS_TIMEOUT_SECONDS = env_int("LOGIN_ATTEMPTS_TIMEOUT_SECONDS", 300, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_ATTEMPTS_LIMIT}/{LOGIN_ATTEMPTS_TIMEOUT_SECONDS}s/key"
}
# Staff sessions (accounts.middleware.StaffSessionTimeoutMiddleware): signed out after this long
# without a request, and this long after sign-in whatever the activity.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Recourse] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Recourse"
# Reviewers, leads and admins must have TOTP before any staff page opens.
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", True)

# --- Product policy ---------------------------------------------------------------------------
# DSA Art. 20: the internal complaint system stays open at least six months after the notice.
# Six calendar months are up to 184 days (1 July to 1 January), plus an hour where daylight
# saving time ends in between: 185 days is at least six months from any moment in any time zone.
APPEAL_WINDOW_DAYS = env_int("APPEAL_WINDOW_DAYS", 185, minimum=185)
# P2B Art. 4: notice before terminating a whole account (a policy setting, not hard-wired law).
TERMINATION_NOTICE_DAYS = env_int("TERMINATION_NOTICE_DAYS", 30, minimum=0)
# DSA Art. 17(2): the statement is given at the latest when the restriction is imposed. A notice
# later than this after the restriction started is refused unless it says why (late_notice_reason),
# and the freelancer's statement then shows both dates and the reason.
LATE_NOTICE_TOLERANCE_MINUTES = env_int("LATE_NOTICE_TOLERANCE_MINUTES", 60, minimum=0)
# A permanent termination of a long-standing account (a member for at least this many years, or
# with at least these earnings to date, in the account's own currency, as the marketplace synced
# them) needs a lead's review before it can be proposed to the freelancer at all.
LONG_STANDING_MEMBER_YEARS = env_int("LONG_STANDING_MEMBER_YEARS", 5, minimum=1)
LONG_STANDING_EARNINGS = env_int("LONG_STANDING_EARNINGS", 50000, minimum=1)
# How long a lead's review of such a termination stays usable.
LEAD_REVIEW_VALID_DAYS = env_int("LEAD_REVIEW_VALID_DAYS", 14, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The database's own check of that rule (enforcement migration 0011) reads the thresholds
    # from these session settings, given to every connection at start-up (no extra query).
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = (
        f"{_db_options.get('options', '')} "
        f"-c recourse.long_standing_member_years={LONG_STANDING_MEMBER_YEARS} "
        f"-c recourse.long_standing_earnings={LONG_STANDING_EARNINGS}"
    ).strip()
# Certified out-of-court dispute settlement bodies (DSA Art. 21) shown on the redress page, on
# every statement and in the case bundle. Operators keep the list current from the Commission's
# register (OUT_OF_COURT_BODIES_REGISTER_URL); the default lists two certified bodies.
OUT_OF_COURT_BODIES = env_out_of_court_bodies(
    "OUT_OF_COURT_BODIES",
    [
        {
            "name": "Appeals Centre Europe",
            "languages": ["en", "de", "fr", "es", "it", "nl"],
            "url": "https://www.appealscentre.eu/",
        },
        {"name": "User Rights", "languages": ["de", "en"], "url": "https://user-rights.org/"},
    ],
)
OUT_OF_COURT_BODIES_REGISTER_URL = env_str(
    "OUT_OF_COURT_BODIES_REGISTER_URL",
    "https://digital-strategy.ec.europa.eu/en/policies/dsa-out-court-dispute-settlement",
)
# A prepared case file (PDF or ZIP of the case bundle) is kept this long, then the beat sweep
# deletes it; it can be prepared again at any time.
CASE_FILE_KEEP_DAYS = env_int("CASE_FILE_KEEP_DAYS", 7, minimum=1)

# Until SLA policies exist, the targets the freelancer is told when they appeal.
APPEAL_REPLY_TARGET_DAYS = env_int("APPEAL_REPLY_TARGET_DAYS", 3, minimum=1)
APPEAL_DECISION_TARGET_DAYS = env_int("APPEAL_DECISION_TARGET_DAYS", 14, minimum=1)

# A reviewer's claim on an appeal returns to the queue after this long without activity.
# The transparency report withholds any cell counting fewer cases than this.
TRANSPARENCY_MIN_COUNT = env_int("TRANSPARENCY_MIN_COUNT", 10, minimum=1)
APPEAL_LEASE_MINUTES = env_int("APPEAL_LEASE_MINUTES", 30, minimum=1)

# --- Webhooks to the marketplace (notifications/webhooks.py) -------------------------------------
# One attempt's HTTP timeout; the lease of the worker sending a delivery (taken back once it
# lapses: a worker killed mid-delivery); retries wait BASE, 2×BASE, 4×BASE… up to CAP, and the
# delivery gives up after MAX_ATTEMPTS (about 38 hours with the defaults).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 60, minimum=1)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("WEBHOOK_BACKOFF_BASE_SECONDS", 30, minimum=1)
WEBHOOK_BACKOFF_CAP_SECONDS = env_int("WEBHOOK_BACKOFF_CAP_SECONDS", 6 * 3600, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 16, minimum=1)
WEBHOOK_REDRIVE_SECONDS = env_int("WEBHOOK_REDRIVE_SECONDS", 5, minimum=1)
if WEBHOOK_LEASE_SECONDS <= WEBHOOK_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"WEBHOOK_LEASE_SECONDS={WEBHOOK_LEASE_SECONDS} must exceed "
        f"WEBHOOK_TIMEOUT_SECONDS={WEBHOOK_TIMEOUT_SECONDS}: a delivery still being sent "
        "would be taken back and sent again."
    )

# --- Limits at the edge (config/edge.py, README "Limits at the edge") ---------------------------
# The largest JSON body the API reads (an action with its evidence is a few kilobytes); any
# non-file request body Django reads is capped at the same size.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# A whole multipart request: five files of 10 MB (appeals.uploads.MAX_FILES and MAX_BYTES) and
# the form around them. Refused on its Content-Length before reading, or once that much streamed.
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", 51 * 1024 * 1024, minimum=1024)
# Files above this size are spooled to a temporary file instead of memory while they arrive.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "config.edge.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Submission to the DSA Transparency Database (enforcement/services/submission.py) ---------
# Off unless TDB_SUBMIT_URL is set (e.g. https://transparency.dsa.ec.europa.eu/api/v1/statements,
# or the sandbox's): then every issued statement is POSTed once, in batches of at most 100, with
# the bearer token TDB_SUBMIT_TOKEN; failures are retried with the webhooks' backoff up to
# TDB_MAX_ATTEMPTS. The sweep runs every TDB_SUBMIT_SECONDS from beat.
TDB_SUBMIT_URL = env_str("TDB_SUBMIT_URL", "")
TDB_SUBMIT_TOKEN = env_str("TDB_SUBMIT_TOKEN", "")
TDB_MAX_ATTEMPTS = env_int("TDB_MAX_ATTEMPTS", 12, minimum=1)
TDB_SUBMIT_SECONDS = env_int("TDB_SUBMIT_SECONDS", 300, minimum=5)
if TDB_SUBMIT_URL and not TDB_SUBMIT_TOKEN:
    raise ImproperlyConfigured("TDB_SUBMIT_URL is set but TDB_SUBMIT_TOKEN is empty.")

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The languages the portal is shipped in (complete, reviewed catalogues in locale/). A person's
# setting, the browser's Accept-Language and the switcher pick among these only; a language
# listed here without a catalogue would show a page half in English.
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("es", "Español"),
    ("de", "Deutsch"),
]
# The languages reviewers work in and queues and routing rules cover: wider than the portal's,
# because a reviewer may read an appeal written in a language the interface is not shipped in.
REVIEW_LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt", "Português"),
    ("pl", "Polski"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("hi", "हिन्दी"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploaded evidence is private: outside STATIC_ROOT and never served by URL.
        "OPTIONS": {"location": str(DATA_DIR / "private-media"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Mail (Django 6.1 mailers) ----------------------------------------------------------------
MAILERS = {"default": mailer_from_url(env_str("MAIL_URL", "console:"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Recourse <no-reply@recourse.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
_celery_dir = DATA_DIR / "celery"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
# Re-drives (README "Faults and load"): work whose message was lost (a broker restarted, a worker
# was killed) is found by these periodic sweeps. An unrouted appeal or a pending email is re-driven
# once it is REDRIVE_AFTER_SECONDS old; an email claimed by a worker that died is taken back after
# EMAIL_CLAIM_STALE_SECONDS (longer than any SMTP conversation).
REDRIVE_AFTER_SECONDS = env_int("REDRIVE_AFTER_SECONDS", 60, minimum=1)
EMAIL_CLAIM_STALE_SECONDS = env_int("EMAIL_CLAIM_STALE_SECONDS", 300, minimum=5)
APPEAL_REDRIVE_SECONDS = env_int("APPEAL_REDRIVE_SECONDS", 30, minimum=1)
EMAIL_REDRIVE_SECONDS = env_int("EMAIL_REDRIVE_SECONDS", 60, minimum=1)
CELERY_RESULT_BACKEND = None
# At-least-once: acknowledge after the task ran, re-queue if the worker dies mid-task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker or beat whose broker restarts keeps reconnecting however long it takes (Celery's
# default gives up after 100 attempts and the process exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# When the broker connection drops, tasks already running finish (their message comes back and
# runs again, and every task is idempotent) rather than being cancelled halfway: an email whose
# SMTP conversation finished must get its "sent" record, or it would go out twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = TIME_ZONE
# The lead dashboard's per-queue deadline figures are rebuilt this often by beat, and used while
# younger than three times this (older: the dashboard computes them itself).
QUEUE_SLA_SUMMARY_SECONDS = env_int("QUEUE_SLA_SUMMARY_SECONDS", 60, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "expire-ended-actions": {
        "task": "enforcement.tasks.expire_ended_actions",
        "schedule": timedelta(seconds=60),
    },
    "terminations-take-effect": {
        "task": "enforcement.tasks.take_effect_due",
        "schedule": timedelta(seconds=60),
    },
    "redrive-unrouted-appeals": {
        "task": "appeals.tasks.redrive_unrouted_appeals",
        "schedule": timedelta(seconds=APPEAL_REDRIVE_SECONDS),
    },
    "sweep-sla-clocks": {
        "task": "appeals.tasks.sweep_sla_clocks",
        "schedule": timedelta(seconds=env_int("SLA_SWEEP_SECONDS", 10, minimum=1)),
    },
    "refresh-queue-sla-summaries": {
        "task": "appeals.tasks.refresh_queue_sla_summaries",
        "schedule": timedelta(seconds=QUEUE_SLA_SUMMARY_SECONDS),
    },
    "expire-appeal-leases": {
        "task": "appeals.tasks.expire_appeal_leases",
        "schedule": timedelta(seconds=30),
    },
    "redrive-pending-emails": {
        "task": "notifications.tasks.redrive_pending_emails",
        "schedule": timedelta(seconds=EMAIL_REDRIVE_SECONDS),
    },
    "refresh-transparency-figures": {
        "task": "transparency.tasks.refresh_transparency_figures",
        "schedule": timedelta(seconds=env_int("TRANSPARENCY_REFRESH_SECONDS", 600, minimum=10)),
    },
    "redrive-webhooks": {
        "task": "notifications.tasks.redrive_webhooks",
        "schedule": timedelta(seconds=WEBHOOK_REDRIVE_SECONDS),
    },
    "sweep-case-files": {
        "task": "appeals.tasks.sweep_case_files",
        "schedule": timedelta(seconds=30),
    },
    "submit-statements": {
        "task": "enforcement.tasks.submit_statements",
        "schedule": timedelta(seconds=TDB_SUBMIT_SECONDS),
    },
}

# --- Security ---------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Messages live in the server-side session, not in a cookie: the admin shows one-time API tokens
# and webhook secrets through them.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
# HTTPS=true wherever the portal is served over TLS (production): HSTS, secure cookies, redirect.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; its warnings (a refused URL) still show.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
