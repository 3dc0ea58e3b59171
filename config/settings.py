"""Settings for demandloop, read from the environment.

One file for every deployment. `DEMANDLOOP_ENV=production` switches on the production checks: it refuses to
start without `SECRET_KEY` and `ALLOWED_HOSTS`. Without `DATABASE_URL` the platform runs on the embedded SQLite
database under `var/`; with `DATABASE_URL=postgres://…` it runs on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_networks, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DEMANDLOOP_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_str("DEMANDLOOP_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env_required("ALLOWED_HOSTS")
    DEBUG = env_bool("DEBUG", False)
else:
    # A development key: never used when DEMANDLOOP_ENV=production.
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-demandloop-key-do-not-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    # Off unless asked for (DEBUG=true): the demo is used by people, who must meet the platform's own Chinese
    # error pages, never Django's debug page with its list of every address of the site.
    DEBUG = env_bool("DEBUG", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "django_filters",
    "simple_history",
    "axes",
    "demandloop.core",
    "demandloop.org",
    "demandloop.enterprises",
    "demandloop.sla",
    "demandloop.demands",
    "demandloop.routing",
    "demandloop.meetings",
    "demandloop.knowledge",
    "demandloop.reports",
    "demandloop.solicitation",
    "demandloop.integrations",
    "demandloop.integrations.hotline12345",
    "demandloop.integrations.city_platform",
    "demandloop.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (demandloop.org.two_factor).
    "django_otp.middleware.OTPMiddleware",
    "demandloop.core.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "demandloop.core.middleware.RequestContextMiddleware",
    "demandloop.org.security.SecurityPolicyMiddleware",
    # Last: turns a locked account's refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "demandloop.sqlite3")),
            "OPTIONS": {
                # WAL lets the background runner write while pages read; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on `timeout` instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery runs only when a broker is configured; otherwise the in-process runner executes the same tasks.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Length and character classes: the security administrator's policy (demandloop.org.security).
    {"NAME": "demandloop.org.security.PolicyPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes): failed sign-ins counted per user name, the limit and the lockout's length read
# from the security policy; a successful sign-in clears the count. Sign-ins are audited by the platform itself,
# so axes keeps no access log of its own.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Per user name only: a district's offices reach the platform through one NAT address, so counting by address
# would lock out a whole office after a few colleagues' typos (axes warns of exactly this choice: W006).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_FAILURE_LIMIT = "demandloop.org.security.failure_limit"
AXES_COOLOFF_TIME = "demandloop.org.security.cool_off"
AXES_LOCKOUT_CALLABLE = "demandloop.org.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "demandloop.org.security.client_ip"
AXES_RESET_ON_SUCCESS = True
# A lock ends when the page said it would: attempts while locked are refused (and audited), not counted again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Of the pinned npm packages (package.json, package-lock.json), only the files the pages use are served, with the
# source maps they name (demandloop.core.staticfiles.VendorFinder): URL prefix → (package folder, files).
VENDOR_FILES = {
    "vendor/bootstrap": (
        NODE_MODULES / "bootstrap" / "dist",
        ["css/bootstrap.min.css", "js/bootstrap.bundle.min.js"],
    ),
    "vendor/htmx": (NODE_MODULES / "htmx.org" / "dist", ["htmx.min.js"]),
    "vendor/echarts": (NODE_MODULES / "echarts" / "dist", ["echarts.min.js"]),
    "vendor/swagger-ui-dist": (
        NODE_MODULES / "swagger-ui-dist",
        ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"],
    ),
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "demandloop.core.staticfiles.VendorFinder",
]
MEDIA_ROOT = str(Path(env_str("MEDIA_ROOT", str(VAR_DIR / "attachments"))))
STORAGES = {
    # Attachments live outside the web root and are served only through a scoped view.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    # Development and tests serve the front-end packages straight from their npm folders; production runs
    # collectstatic into STATIC_ROOT and WhiteNoise serves the compressed, hashed copies.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Integrations' API tokens (django-rest-knox): only a SHA-512 digest is kept; the token itself is shown once,
# when it is issued (demandloop.org.tokens). Tokens issued before (DRF's, kept in plain text) were moved by
# migration org 0012 and keep working. The "Token" keyword of the Authorization header stays as it was.
KNOX_TOKEN_MODEL = "org.ApiToken"


# Two-factor sign-in (django-otp's TOTP, a code from an authenticator app): who must use it is the security
# policy's `two_factor`; the app shows the platform's name beside the account.
def _otp_issuer(device: object) -> str:
    return str(_("Demand Loop"))


OTP_TOTP_ISSUER = _otp_issuer

# knox's own migrations create its token table even when the model is swapped out: without them nothing is made.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": timedelta(days=365), "TOKEN_PREFIX": "dl_", "AUTH_HEADER_PREFIX": "Token"}

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "demandloop.org.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "demandloop.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "有需必应 · 企业诉求闭环服务平台 API",
    "DESCRIPTION": _(
        "The platform's REST API, for the systems that work with it (the 12345 centre, the city platform, other "
        "government systems) and for the platform's own pages.\n\n"
        "**Authentication.** A system sends its API token in every request: `Authorization: Token <token>`. The "
        "system administrator issues the token to the system's account (administration → API tokens, or "
        "`demandloop security token`); it is shown once and is valid for the period chosen then. A person "
        "signed in in the browser is authenticated by the session (writes also need the CSRF token).\n\n"
        "**Scope.** Every list and object is limited to what the account may see (its district, areas, "
        "department or enterprise): an object outside answers 404, an action the role may not take 403.\n\n"
        "**Errors.** A refused request answers with a JSON object: `detail` says why, and the errors of a field "
        "are under the field's name (400). 401: no valid token or session. 409: the demand's state does not "
        "allow the action, or someone changed the demand first. Lists come in pages of 50 (`?page=N`).\n\n"
        "**Demands.** `POST /api/v1/demands/` creates a demand; each step of its life is an action: "
        "`POST /api/v1/demands/{id}/actions/{name}/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
    # Choice sets whose field names other apps use too ("status", "channel").
    "ENUM_NAME_OVERRIDES": {
        "DemandStatusEnum": "demandloop.demands.choices.DemandStatusChoices",
        "DemandChannelEnum": "demandloop.demands.choices.ChannelChoices",
        "EnterpriseKindEnum": "demandloop.enterprises.choices.EnterpriseKindChoices",
        "EnterpriseStatusEnum": "demandloop.enterprises.choices.EnterpriseStatusChoices",
        "MeetingKindEnum": "demandloop.meetings.choices.MeetingKindChoices",
        "TypicalCaseStatusEnum": "demandloop.knowledge.choices.CaseStatusChoices",
        "NotificationTopicEnum": "demandloop.integrations.choices.TopicChoices",
        "OutboxTopicEnum": "demandloop.integrations.choices.OUTBOX_TOPIC_CHOICES",
        "OutboxChannelEnum": "demandloop.integrations.choices.OUTBOX_CHANNEL_CHOICES",
    },
}

# --- Security -------------------------------------------------------------------------------------------
# Django's database sessions, each naming its account (the security administrator's list of who is signed in).
SESSION_ENGINE = "demandloop.org.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (django-csp): every script, style sheet, font and image comes from the platform
# itself (npm packages served as static files, no CDN), so the browser runs no inline or injected script and
# applies no <style> element a page did not load from here. Style attributes stay allowed (style-src-attr):
# ECharts writes its tooltips' markers as HTML with style attributes. Bootstrap's form controls draw their
# arrows and ticks with data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The proxies whose X-Real-IP header names the client (addresses or networks, e.g. "10.0.0.5,10.1.0.0/24"): the
# address of the audit trail, the sign-in lockout and the session list. From anyone else the header is ignored,
# or a client could write any address it liked into the audit trail. nginx on the same machine (deploy/) is the
# default; a unix socket (no address) counts as local.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", "127.0.0.1,::1")
if PRODUCTION:
    # Behind nginx, which terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- E-mail ---------------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "demandloop@localhost")

# --- Notifications (demandloop.integrations.notify) -----------------------------------------------------
DEMANDLOOP_SMS_GATEWAY = env_str("SMS_GATEWAY", "demandloop.integrations.notify.transports.HttpSmsGateway")
DEMANDLOOP_SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
DEMANDLOOP_SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN")
DEMANDLOOP_SMS_SIGN = env_str("SMS_SIGN")
DEMANDLOOP_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)
# How long a worker holds a message it is sending; after that a dead worker's message is sent again.
DEMANDLOOP_OUTBOX_CLAIM_SECONDS = env_int("OUTBOX_CLAIM_SECONDS", 120)

# --- 12345 hotline (demandloop.integrations.hotline12345): where status-backs go, signed with the secret -------
DEMANDLOOP_HOTLINE12345_URL = env_str("HOTLINE12345_URL")
DEMANDLOOP_HOTLINE12345_APP_ID = env_str("HOTLINE12345_APP_ID")
DEMANDLOOP_HOTLINE12345_SECRET = env_str("HOTLINE12345_SECRET")

# --- City platform 津产发 (demandloop.integrations.city_platform): pushes of transfers and status-backs go to the
# URL, signed with the secret; the city's signed requests are checked with the same id and secret. Without all
# three the integration is off: transfers through 津产发 are recorded by hand with the city's reference.
DEMANDLOOP_CITY_PLATFORM_URL = env_str("CITY_PLATFORM_URL")
DEMANDLOOP_CITY_PLATFORM_APP_ID = env_str("CITY_PLATFORM_APP_ID")
DEMANDLOOP_CITY_PLATFORM_SECRET = env_str("CITY_PLATFORM_SECRET")
# How far (seconds) the timestamp of a signed request of the city may lie from the district's clock.
DEMANDLOOP_CITY_PLATFORM_TIME_WINDOW = env_int("CITY_PLATFORM_TIME_WINDOW", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs every failed sign-in as a warning; the audit trail records each one and each lockout already.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "ERROR"}},
}

# --- Platform -------------------------------------------------------------------------------------------
# District presets (DESIGN.md §3): one YAML file per district; a new district is a new file.
DEMANDLOOP_PRESET_DIR = BASE_DIR / "demandloop" / "org" / "presets"
# How many more resolved demands than its last training a district's router waits for before it retrains.
DEMANDLOOP_ROUTER_RETRAIN_AFTER = env_int("ROUTER_RETRAIN_AFTER", 50)
# A retrained router is put into use unless its department accuracy on the corpus' held-back slice falls more
# than this share below the model in force (`route retrain --force` overrides).
DEMANDLOOP_ROUTER_RETRAIN_TOLERANCE = env_float("ROUTER_RETRAIN_TOLERANCE", 0.05)
# Periodic tasks: run by the in-process runner of `demandloop serve`, or by Celery beat in production.
DEMANDLOOP_PERIODIC_TASKS: list[tuple[str, int, str]] = [
    ("deliver-outbox", 10, "demandloop.integrations.notify.delivery.deliver_due"),
    ("supervision-sweep", 60, "demandloop.sla.sweep.run_sweep"),
    ("whistle-lateness", 300, "demandloop.meetings.supervision.notify_late_report_ins"),
    # District-wide figures recomputed before they expire (demandloop.web.queries.FIGURES_SECONDS = 120).
    ("figures-refresh", 60, "demandloop.web.queries.refresh_district_figures"),
    # Each district's router learns from its resolved demands once enough new ones have come (hourly check).
    ("router-retrain", 3600, "demandloop.routing.actions.retrain_due"),
    # On the first working day of a month, from 09:00, the hub is reminded once to issue last month's report.
    ("report-issue-reminder", 600, "demandloop.reports.actions.remind_to_issue"),
    # Expired sessions are deleted (Django keeps them until asked).
    ("clear-sessions", 3600, "demandloop.org.sessions.clear_expired"),
    # The keepers of an integration's API token hear 14 and 3 days before it expires.
    ("token-expiry-notice", 3600, "demandloop.org.tokens.notice_expiring"),
]
