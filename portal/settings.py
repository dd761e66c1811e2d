"""Settings for the partner operations portal.

One file. Every value that differs between a laptop and production comes from an environment
variable read through the small helpers below, which reject malformed values instead of
guessing. The defaults run out of the box: SQLite (WAL mode), an embedded file-system Celery
broker, e-mail printed to the console. README's configuration table lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.observability import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Absolute base of every link in e-mails and printed URLs. Explicit, never derived from PORT:
# honcho gives each process its own PORT, and the worker's and beat's links must be the web's.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django.contrib.postgres",
    "simple_history",
    "portal.apps.SignInProtectionConfig",  # django-axes
    "django_prometheus",
    "csp",
    "portal.apps.PortalConfig",
    "cases.apps.CasesConfig",
    "maintenance.apps.MaintenanceConfig",
    "capacity.apps.CapacityConfig",
    "releases.apps.ReleasesConfig",
    # After portal: portal's `drf_create_token` (hashed, named tokens) overrides DRF's; the
    # former DRF tokens are still accepted (portal/api/authentication.py).
    "rest_framework.authtoken",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "portal.observability.RequestContextMiddleware",
    "portal.security.HardeningMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before every app's templates: the few admin templates the portal replaces (the
        # admin app is listed before the portal app, so its own templates would win).
        "DIRS": [BASE_DIR / "portal" / "template_overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat read while one of them writes; IMMEDIATE
    # transactions take the write lock up front instead of failing half way ("database is
    # locked") when two processes upgrade a read lock at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading times with psycopg's compiled parser (portal/postgresql).
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
    # Parameters travel apart from the SQL (psycopg's server-side binding) and a statement run
    # DB_PREPARE_THRESHOLD times on a connection is prepared: PostgreSQL plans it once per
    # kept connection (DB_CONN_MAX_AGE), not on every request; planning was a third of the
    # database's CPU for the portal's case list. Off behind a pooler in transaction mode that
    # keeps no prepared statements.
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5)
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600  # invitation links stay valid a week

# Login brute-force protection. Behind a reverse proxy set AXES_IPWARE_PROXY_COUNT so the
# client address is read from X-Forwarded-For rather than the proxy's own address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
# A locked-out user sees a page of the portal in their language (axes' default is a line of
# English text), saying for how long sign-in is paused.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pt-br", _("Brazilian Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Uploaded files (case attachments) --------------------------------------------------------
# Attachments go through Django's storage API under the alias "attachments": a local folder
# (MEDIA_ROOT, under var/) by default, an S3-compatible bucket when ATTACHMENTS_S3_BUCKET is set
# (django-storages; AWS_S3_ENDPOINT_URL for MinIO, Ceph and the like; the keys from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the instance's role). Files are only ever served
# through the tenant-checked download views, never from MEDIA_URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # not routed: downloads go through the views
ATTACHMENTS_S3_BUCKET = env_str("ATTACHMENTS_S3_BUCKET", "")
if ATTACHMENTS_S3_BUCKET:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("ATTACHMENTS_S3_PREFIX", "attachments"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "attachments")},
    }
# The largest attachment accepted, in MB (a bigger file is refused on the field "file").
CASE_ATTACHMENT_MAX_MB = env_int("CASE_ATTACHMENT_MAX_MB", 50)

# --- Security (production values apply when DEBUG is off) -----------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file-based backend
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
OPERATOR_ONCALL_EMAIL = env_str("OPERATOR_ONCALL_EMAIL", "tac-oncall@localhost")
# Replies to case e-mails become comments: every case message carries a signed, per-case and
# per-recipient reply address <CASE_REPLY_PREFIX>+<case>.<contact>.<signature>@CASE_REPLY_DOMAIN;
# the MTA of that domain forwards to `manage.py receive_mail` (SMTP, or LMTP with --lmtp) on
# MAIL_RECEIVER_HOST:MAIL_RECEIVER_PORT.
CASE_REPLY_DOMAIN = env_str("CASE_REPLY_DOMAIN", "reply.localhost")
CASE_REPLY_PREFIX = env_str("CASE_REPLY_PREFIX", "case")
MAIL_RECEIVER_HOST = env_str("MAIL_RECEIVER_HOST", "127.0.0.1")
MAIL_RECEIVER_PORT = env_int("MAIL_RECEIVER_PORT", 2525)
# The largest message the receiver accepts (attachments included), in megabytes.
MAIL_RECEIVER_MAX_MB = env_int("MAIL_RECEIVER_MAX_MB", 60)
# Maximum delivery attempts of one outbox row before it is marked failed for staff to see.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
# How long a worker owns the deliveries it claimed; a killed worker's rows are claimed again
# after it expires.
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 300)
# Deliveries claimed (and sent over one SMTP connection) at a time.
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 200)
# Sent deliveries are recorded every this many messages of a batch: a worker killed mid-batch
# sends again at most this many (its other claimed rows were not sent yet).
NOTIFICATION_RECORD_EVERY = env_int("NOTIFICATION_RECORD_EVERY", 50)
# The language of the messages to the operator's own addresses (on-call, change management).
OPERATOR_LANGUAGE = env_str("OPERATOR_LANGUAGE", "en")
# Seconds a chat webhook may take to answer.
NOTIFICATION_CHAT_TIMEOUT = float(env_str("NOTIFICATION_CHAT_TIMEOUT", "10"))
# R-CASE-10: the warning before a breach, as a fraction of the response objective.
CASES_WARNING_FRACTION = float(env_str("CASES_WARNING_FRACTION", "0.8"))
if not 0 < CASES_WARNING_FRACTION < 1:
    raise ImproperlyConfigured("CASES_WARNING_FRACTION must be between 0 and 1")
# R-CASE-10 Decision: the escalation chain after a breach. Level 2 (one more objective interval
# after the breach, still not acknowledged) tells the duty manager; level 3 (another interval)
# the head of support. Empty: that level is still recorded on the timeline, nobody is e-mailed.
DUTY_MANAGER_EMAIL = env_str("DUTY_MANAGER_EMAIL", "tac-duty-manager@localhost")
HEAD_OF_SUPPORT_EMAIL = env_str("HEAD_OF_SUPPORT_EMAIL", "head-of-support@localhost")
# The work queue's "breaching soon": unacknowledged cases due within this many minutes.
CASES_QUEUE_SOON_MINUTES = env_int("CASES_QUEUE_SOON_MINUTES", 60)
# The work queue's shared tab counts are counted at most once per this many seconds (0: on
# every page); "Mine" and any change made through the services show at once.
CASES_QUEUE_COUNTS_SECONDS = env_int("CASES_QUEUE_COUNTS_SECONDS", 10)
# R-CASE-12: how long after resolution a partner may reopen a case.
CASES_REOPEN_DAYS = env_int("CASES_REOPEN_DAYS", 14)
# R-CASE-12: the monitoring period staff get by default when a case enters monitoring (days).
CASES_MONITORING_DAYS = env_int("CASES_MONITORING_DAYS", 7)
if not 1 <= CASES_MONITORING_DAYS <= 90:
    raise ImproperlyConfigured("CASES_MONITORING_DAYS must be between 1 and 90")
# R-CASE-11: the global TAC phone line partners are asked to call for S1 and S2 problems.
TAC_PHONE_NUMBER = env_str("TAC_PHONE_NUMBER", "1-800-553-2447")
# R-MNT-5/R-MNT-11: where partner requests for the change-management team go.
CHANGE_MANAGEMENT_EMAIL = env_str("CHANGE_MANAGEMENT_EMAIL", OPERATOR_ONCALL_EMAIL)
# Requests of one partner that write to the operator's teams (change management, on-call)
# per hour; beyond it the API answers 429 with Retry-After (portal/limits.py). 0: no limit.
PARTNER_REQUESTS_PER_HOUR = env_int("PARTNER_REQUESTS_PER_HOUR", 30)
# Reminders before a planned change starts, in hours.
MAINTENANCE_REMINDER_HOURS = tuple(int(h) for h in env_list("MAINTENANCE_REMINDER_HOURS", "72,24"))
# R-REL-2: days after an announcement at which the new n-2 reaches end of sale.
RELEASES_END_OF_SALE_AFTER_DAYS = env_int("RELEASES_END_OF_SALE_AFTER_DAYS", 30)
# R-NOT-3: how often each partner is asked to confirm its contacts.
CONTACT_REVIEW_DAYS = env_int("CONTACT_REVIEW_DAYS", 90)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Each activates the caller's language once it is known (generated titles, refusals).
        "portal.api.authentication.ApiTokenAuthentication",
        "portal.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "portal.filtersets.ScopedFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_THROTTLE_USER", "6000/min"),
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "DEFAULT_PARSER_CLASSES": [
        "portal.security.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttling keys anonymous clients by address: X-Forwarded-For is trusted only through
    # as many proxies as are configured (0: the header is ignored, so it cannot be forged).
    "NUM_PROXIES": env_int("AXES_IPWARE_PROXY_COUNT", 0),
}

# --- Browser security headers ---------------------------------------------------------------
# No inline script anywhere (the portal's JavaScript is one static file); inline styles stay
# allowed for the admin's and the charts' style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Operations Portal API",
    "DESCRIPTION": "Cases, maintenance, capacity and releases of a dedicated-instance calling "
    "service. Token auth: `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set across apps, so the schema has no "Kind739Enum".
    "ENUM_NAME_OVERRIDES": {
        "RegionEnum": "portal.choices.Region",
        "RoleEnum": "portal.choices.Role",
        "CaseStatusEnum": "cases.choices.Status",
        "CaseEventKindEnum": "cases.choices.EventKind",
        "CaseCategoryEnum": "cases.choices.Category",
        "SeverityEnum": "cases.choices.Severity",
        "ChangeKindEnum": "maintenance.choices.ChangeKind",
        "PatchKindEnum": "maintenance.choices.PatchKind",
        "WindowKindEnum": "maintenance.choices.WindowKind",
        "CapacityRequestStatusEnum": "capacity.choices.RequestStatus",
        "NotificationCategoryEnum": "portal.choices.Category",
        "DeliveryStatusEnum": "portal.choices.NotificationStatus",
        "ChannelEnum": "portal.choices.Channel",
        "ApplicationEnum": "portal.choices.Application",
        "OutageStatusEnum": "maintenance.choices.OutageStatus",
        "OutageUpdateStatusEnum": "maintenance.choices.OutageUpdateStatus",
        "CampaignStatusEnum": "maintenance.choices.CampaignStatus",
        "CampaignSlotStatusEnum": "maintenance.choices.SlotStatus",
    },
}

# --- Partner automation: API tokens and webhooks (portal/automation_models.py, README) -----
# Tokens are knox tokens (stored hashed) with a name and a last-used time; `Authorization:
# Token <key>`. Keys of the former DRF tokens (40 characters) are still accepted.
KNOX_TOKEN_MODEL = "portal.ApiToken"
# knox's own migrations create its default token table even when the model is swapped for
# ours; without them no knox table is made (ours is created by portal's migrations).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": "portal.ApiToken",
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": None,
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
# R-NOT-4: webhook addresses in private, loopback, link-local, multicast or reserved ranges
# are refused unless this is true (tests and a lab receiver on the same host).
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", False)
# Tries of one delivery before it is marked failed (exponential backoff between them).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_BACKOFF_SECONDS = env_int("WEBHOOK_BACKOFF_SECONDS", 30)
WEBHOOK_BACKOFF_MAX_SECONDS = env_int("WEBHOOK_BACKOFF_MAX_SECONDS", 6 * 3600)
# Consecutive failed tries of an endpoint after which it is disabled and its admins told.
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", 10)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)

# --- Cache (throttling, locks) --------------------------------------------------------------
REDIS_CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "portal.cache.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Sessions: with a shared cache (Redis) a request reads its session from the cache and the
# database only on a miss; writes go to both, so a logout or an expiry holds everywhere.
# Without one (the embedded quick start) sessions stay in the database: a per-process cache
# would keep a logged-out session alive in the other processes.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_CACHE_URL
    else "django.contrib.sessions.backends.db"
)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: messages are files under var/celery, so the demo runs a real worker
    # and beat with no broker server to install.
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# All periodic duties, in one place. Every job is state-based and idempotent, so a missed tick
# is caught up by the next one and a duplicated beat changes nothing.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # --- portal ---
    "deliver-notifications": {"task": "portal.tasks.deliver_notifications", "schedule": 60.0},
    "contact-review": {
        "task": "portal.tasks.request_contact_reviews",
        "schedule": crontab(minute=7, hour=6),
    },
    # R-NOT-4: signed webhooks; also enqueued after each commit that publishes one.
    "deliver-webhooks": {"task": "portal.tasks.deliver_webhooks", "schedule": 60.0},
    # --- cases ---
    # R-CASE-10: breach and warning checks; state-based, so a missed tick heals on the next.
    "cases-escalation-sweep": {"task": "cases.tasks.escalation_sweep", "schedule": 60.0},
    # R-CASE-9: flag an overdue status and action plan once.
    "cases-action-plan-sweep": {"task": "cases.tasks.action_plan_sweep", "schedule": 60.0},
    # R-CASE-12: resolve cases whose monitoring period ended without a recurrence.
    "cases-monitoring-sweep": {"task": "cases.tasks.monitoring_sweep", "schedule": 300.0},
    # R-CASE-8: holidays of the current and the next year in every calendar. A yearly duty,
    # run monthly: it only fills years without holidays, so a missed run heals.
    "calendars-fill-holidays": {
        "task": "portal.tasks.fill_calendar_holidays",
        "schedule": crontab(minute=45, hour=4, day_of_month=1),
    },
    # --- maintenance ---
    "maintenance-tick": {"task": "maintenance.tasks.maintenance_tick", "schedule": 60.0},
    "maintenance-certificates-scan": {
        "task": "maintenance.tasks.certificates_scan",
        "schedule": crontab(minute=17, hour=5),
    },
    # --- capacity ---
    "capacity-thresholds": {
        "task": "capacity.tasks.notify_capacity_thresholds",
        "schedule": crontab(minute=20, hour=5),
    },
    # --- releases ---
    "releases-compliance": {
        "task": "releases.tasks.check_release_compliance",
        "schedule": crontab(minute=30, hour=5),
    },
}

# --- Observability: logs, errors, metrics (portal/observability.py, portal/metrics.py) ------
LOG_FORMAT = env_str("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production" if not DEBUG else "development")
init_sentry(SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
# Bearer token of GET /metrics; unset: the endpoint does not exist (404).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Staff identity: OpenID Connect sign-in and the admin's second factor -------------------
# (portal/oidc.py, portal/two_factor.py; README "Staff sign-in"). Kept in one block on purpose.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
]
# OTPMiddleware marks a request verified once its session passed a second factor.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
# The OIDC backend answers only when OIDC_ENABLED, so it can always be listed.
AUTHENTICATION_BACKENDS += ["portal.oidc.StaffOIDCBackend"]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("portal.oidc.context")

OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "the operator's sign-in")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
# Either the issuer (its discovery document gives the endpoints) or each endpoint.
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
# Who may sign in: existing staff accounts with the provider's e-mail; and, for e-mail
# domains listed here, new staff accounts are created on first sign-in (empty: none).
OIDC_STAFF_EMAIL_DOMAINS = [d.lower() for d in env_list("OIDC_STAFF_EMAIL_DOMAINS", "")]
OIDC_STAFF_GROUP = env_str("OIDC_STAFF_GROUP", "")
OIDC_AUTHENTICATE_CLASS = "portal.oidc.StaffOIDCAuthenticateView"
OIDC_CALLBACK_CLASS = "portal.oidc.StaffOIDCCallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?oidc=failed"
if OIDC_ENABLED and not (OIDC_RP_CLIENT_ID and (OIDC_OP_ISSUER or OIDC_OP_AUTHORIZATION_ENDPOINT)):
    raise ImproperlyConfigured(
        "OIDC_ENABLED needs OIDC_RP_CLIENT_ID and OIDC_OP_ISSUER (or the OIDC_OP_* endpoints)"
    )

# The admin asks staff for a TOTP code (django-otp) after the password. By default on in
# production unless staff sign in through the operator's provider, which has its own factors.
STAFF_2FA = env_bool("STAFF_2FA", not DEBUG and not OIDC_ENABLED)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Partner operations portal")
