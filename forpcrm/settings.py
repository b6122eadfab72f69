"""FORP-CRM settings, read from the environment.

Embedded profile (default): SQLite file in WAL mode, local file storage, Celery tasks run eagerly.
Production profile: DATABASE_URL, REDIS_URL, STORAGE_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FORPCRM_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
DEVELOPMENT_SECRET_KEY = "forpcrm-insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "django_htmx",
    "forpcrm.core",
    "forpcrm.org",
    "forpcrm.notifications",
    "forpcrm.customfields",
    "forpcrm.imports",
    "forpcrm.customers",
    "forpcrm.timeline",
    "forpcrm.documents",
    "forpcrm.sales",
    "forpcrm.contracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "forpcrm.org.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "forpcrm.urls"
WSGI_APPLICATION = "forpcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "forpcrm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "forpcrm.org.context_processors.navigation",
                "forpcrm.notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'forpcrm.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("SQLITE_TEST_NAME") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = ["forpcrm.org.backends.UsernameOrEmailBackend"]
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "org:home"
LOGOUT_REDIRECT_URL = "org:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "forpcrm" / "locale"]
TIME_ZONE = os.environ.get("FORPCRM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "forpcrm" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("STORAGE_URL", "").startswith("s3://"):
    # s3://bucket  -> django-storages (installed in the production profile).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": os.environ["STORAGE_URL"][5:].strip("/")},
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Every periodic job registered with forpcrm.notifications.jobs.job_register (reminders, pool
    # return rules, missed visits, report deadlines, urge escalation, IMAP fetch …), each at its own
    # interval.
    "periodic-jobs": {"task": "forpcrm.notifications.tasks.run_jobs", "schedule": 60.0},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "forpcrm@localhost")
# The address people reach the site at; links in e-mails are made absolute with it.
FORPCRM_SITE_URL = os.environ.get("FORPCRM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "yes")
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") in ("1", "true", "yes")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "forpcrm.core.api.StablePageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "forpcrm.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FORP-CRM API",
    "DESCRIPTION": "REST API of FORP-CRM. Every read is limited to the caller's data scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the pinned npm package (scripts/vendor_assets.py), not from a CDN.
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    # Choice sets whose field names collide across apps (status, kind) get one stable name each.
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "forpcrm.customers.models.CustomerStatus",
        "PicklistKindEnum": "forpcrm.customfields.models.PicklistKind",
        # StageKind and OpportunityStatus are the same set: open, won, lost.
        "OutcomeEnum": "forpcrm.sales.models.StageKind",
        "NotificationKindEnum": "forpcrm.notifications.models.NotificationKind",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Upload limits (bytes) for imports and attachments.
FORPCRM_MAX_IMPORT_BYTES = int(os.environ.get("FORPCRM_MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES, DOCUMENT_ALLOWED_EXTENSIONS = int(os.environ.get("DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024))), os.environ.get("DOCUMENT_ALLOWED_EXTENSIONS", "pdf,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,rtf,txt,csv,md,png,jpg,jpeg,gif,webp,zip,rar,7z,eml,msg").split(",")
# Shared input directory (read-only real dataset) used by the demo and the tests.
# The first existing of: $FORPCRM_SHARED_DATA, then <ancestor>/shared/data walking up from BASE_DIR's
# parent (a clone in /tmp/verify still finds /work/shared/data only through the variable); else the
# sibling directory BASE_DIR.parent/shared/data (the demo says loudly when it is missing).
def _shared_data_dir() -> Path:
    candidates = [Path(os.environ["FORPCRM_SHARED_DATA"])] if os.environ.get("FORPCRM_SHARED_DATA") else []
    candidates += [ancestor / "shared" / "data" for ancestor in (BASE_DIR.parent, *BASE_DIR.parent.parents)]
    return next((path for path in candidates if path.is_dir()), BASE_DIR.parent / "shared" / "data")


FORPCRM_SHARED_DATA = _shared_data_dir()

if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)  # 0 only for plain local http
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

PAGE_TITLE = _("FORP-CRM")
