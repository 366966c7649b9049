"""pinzhi settings: one module, every deploy-time value from the environment.

DJANGO_ENV selects defaults: ``development`` (the default: SQLite, DEBUG, dev secret)
or ``production`` (everything sensitive must be given, secure cookies, HSTS).
See docs/deploy.md for the full list of variables.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lib.env import envbool, envchoice, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = envchoice("DJANGO_ENV", "development", {"development", "production"})
PRODUCTION = DJANGO_ENV == "production"

DEBUG = envbool("DEBUG", not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = envstr("SECRET_KEY")
    # The same bar as check --deploy (security.W009), enforced at start-up.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required in production")
else:
    SECRET_KEY = envstr("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-9f3c2a7e")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "simple_history",
    "accounts",
    "core",
    "portal",
    "workorders",
    "standards",
    "plans",
    "inspections",
    "alerts",
    "analytics",
    "open311",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.TenantScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.tenancy",
                "alerts.context_processors.alerts",
            ],
        },
    },
]

#
# Database: SQLite file by default, PostgreSQL in production (DATABASE_URL, required there).
#
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") if PRODUCTION else envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the job runner share the file; IMMEDIATE takes the
    # write lock at BEGIN so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = envstr("SQLITE_TEST_NAME", "") or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production needs a shared cache: sign-in throttling counts failures across all workers.
REDIS_URL = envstr("REDIS_URL") if PRODUCTION else envstr("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

#
# Auth
#
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", 900)
# Open311 POST: requests per minute per client key, and wrong keys per hour per address.
OPEN311_POSTS_PER_MINUTE = envint("OPEN311_POSTS_PER_MINUTE", 60)
OPEN311_BAD_KEYS_PER_HOUR = envint("OPEN311_BAD_KEYS_PER_HOUR", 20)
# The site's public address (https://pinzhi.example.com): links in alert e-mails and robot
# messages are made absolute with it; empty leaves them as paths.
SITE_URL = envstr("SITE_URL", "")

#
# Language and time
#
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

#
# Static and media files: local disk by default, S3-compatible storage when configured.
#
STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
S3_BUCKET = envstr("S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("S3_REGION", "") or None,
            "access_key": envstr("S3_ACCESS_KEY", ""),
            "secret_key": envstr("S3_SECRET_KEY", ""),
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 20000)
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_BYTES = envint("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_PIXELS", 40_000_000)
# Plan tasks: days generated ahead, how early a window may be started, how long a started task
# may still be finished after its window before the sweep closes it (docs/plans.md).
PLANS_HORIZON_DAYS = envint("PLANS_HORIZON_DAYS", 7)
PLANS_EARLY_START_MINUTES = envint("PLANS_EARLY_START_MINUTES", 15)
PLANS_FINISH_GRACE_MINUTES = envint("PLANS_FINISH_GRACE_MINUTES", 60)

#
# REST API
#
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pinzhi API",
    "DESCRIPTION": "品质 pinzhi REST API. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields or components get one stable name.
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderKindEnum": "workorders.choices.Kind",
        "WorkOrderStatusEnum": "workorders.choices.Status",
        "WorkOrderPriorityEnum": "workorders.choices.Priority",
        "WorkOrderSourceEnum": "workorders.choices.Source",
        "DepartmentKindEnum": "core.choices.DepartmentKind",
        "PlanKindEnum": "plans.choices.PlanKind",
        "TaskStatusEnum": "plans.choices.TaskStatus",
        "CheckInMethodEnum": "plans.choices.CheckInMethod",
        "FollowUpMethodEnum": "workorders.choices.FollowUpMethod",
        "ProblemKindEnum": "plans.api.serializers.PROBLEM_KINDS",
        "InspectionKindEnum": "inspections.choices.RoundKind",
        "InspectionRoundStatusEnum": "inspections.choices.RoundStatus",
        "FindingStatusEnum": "inspections.choices.FindingStatus",
        "FindingSourceEnum": "inspections.choices.FindingSource",
        "ExtensionStatusEnum": "inspections.choices.ExtensionStatus",
        "CapaStatusEnum": "inspections.choices.CapaStatus",
        "CapaSourceEnum": "inspections.choices.CapaSource",
        "SeverityEnum": "inspections.choices.Severity",
        "EffectivenessResultEnum": "inspections.choices.EffectivenessResult",
        "AlertRuleKindEnum": "alerts.choices.RuleKind",
        "AlertSeverityEnum": "alerts.choices.Severity",
        "AlertStatusEnum": "alerts.choices.AlertStatus",
        "ChannelKindEnum": "alerts.choices.ChannelKind",
        "DeliveryStatusEnum": "alerts.choices.DeliveryStatus",
    },
}

#
# Jobs: django-q2 on the ORM broker by default, Redis when REDIS_URL is set.
#
Q_CLUSTER = {
    "name": "pinzhi",
    "workers": envint("Q_WORKERS", 2),
    "timeout": envint("Q_TIMEOUT", 300),
    "retry": envint("Q_RETRY", 360),
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    # Every cluster runs the scheduler by default (row locks keep schedules from firing twice
    # on PostgreSQL); Q_SCHEDULER=false on all hosts but one makes a single scheduler explicit.
    "scheduler": envbool("Q_SCHEDULER", True),
    "label": _("Task queue"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

#
# E-mail
#
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "pinzhi@localhost")

#
# Security: strict in production, relaxed for the local server.
#
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 14 * 24 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every PDF (QR sheets) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
