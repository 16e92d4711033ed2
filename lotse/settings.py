"""Lotse settings. Everything that differs between machines comes from the environment.

Embedded default (no environment at all): SQLite under var/ and a Meilisearch process that
the project starts itself on loopback (see search/server.py). Production: DATABASE_URL,
MEILISEARCH_URL and MEILISEARCH_API_KEY, SECRET_KEY, DEBUG=0, ALLOWED_HOSTS.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lotse.env import env_bool, env_float, env_int, env_list, env_str
from lotse.private_files import write_private

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LOTSE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _local_secret(name: str) -> str:
    """A secret generated once for this checkout and kept in var/ (never in git)."""
    path = VAR_DIR / name
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    write_private(path, value)
    return value


# Production sets SECRET_KEY; on a developer machine a key is generated into var/.
SECRET_KEY = env_str("SECRET_KEY") or _local_secret("secret_key")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY: use at least 32 random characters")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "rules",
    "axes",
    "directory",
    "search",
    "importers",
    "guidance",
    "api",
    "curation",
    "pages",
]

MIDDLEWARE = [
    "lotse.middleware.AccessLogMiddleware",
    "lotse.middleware.NulParameterMiddleware",
    "lotse.middleware.NoVisitorCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages under 50 KB over the wire (DESIGN.md). BREACH needs a secret in the page:
    # public pages carry none; the admin's CSRF token is masked anew in every response.
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lotse.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Refuses a locked-out admin login (django-axes; after AuthenticationMiddleware).
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After XFrameOptionsMiddleware, so that it runs first on the response and can exempt
    # the partner embed (?embed=1) from X-Frame-Options: DENY.
    "lotse.middleware.SecurityHeadersMiddleware",
    # JSON error bodies for Django's own 404/413/500 under /api/ (issue 7).
    "api.errors.ApiErrorMiddleware",
]

ROOT_URLCONF = "lotse.urls"
WSGI_APPLICATION = "lotse.wsgi.application"

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

# --- Database: SQLite by default, DATABASE_URL for PostgreSQL --------------------------
DEFAULT_SQLITE = VAR_DIR / "lotse.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DEFAULT_SQLITE,
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
            # failing with "database is locked" half-way through an import.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                # A 64 MiB page cache (the default is 2 MiB): a large import's transaction
                # touches more pages than that and spilled them to the WAL mid-way; the
                # writes of a 20,000-row import took 2.5-2.9 s instead of 3.1-3.7 s (issue 4
                # benchmark). Memory is taken only as pages are read.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
            },
            # Tests use a file too, as production does: an in-memory database shares one
            # cache between threads and reports "table is locked" instead of waiting.
            "TEST": {"NAME": str(VAR_DIR / f"test_lotse_{os.getpid()}.sqlite3")},
            # Kept open across requests, as for PostgreSQL: opening a SQLite connection
            # (and registering Django's SQL functions on it) cost ~8 % of a search's CPU.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# axes first: it refuses a locked-out login before any backend checks a password. rules
# answers the role and object permissions (curation/rules.py), ModelBackend the rest.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language: German first, English second --------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Meilisearch -----------------------------------------------------------------------
# Unset MEILISEARCH_URL means "embedded": the project runs its own Meilisearch on loopback
# with a master key generated into var/ (search/server.py).
MEILISEARCH_URL = env_str("MEILISEARCH_URL")
MEILISEARCH_MANAGED = not MEILISEARCH_URL
MEILISEARCH_PORT = env_int("MEILISEARCH_PORT", 7700, minimum=1)
MEILISEARCH_DIR = VAR_DIR / "meilisearch"
if MEILISEARCH_MANAGED:
    MEILISEARCH_URL = f"http://127.0.0.1:{MEILISEARCH_PORT}"
# The web process needs only a search key; indexing needs an admin key. Managed mode
# derives both from its master key at start-up (search/server.py writes keys.json).
MEILISEARCH_API_KEY = env_str("MEILISEARCH_API_KEY")
MEILISEARCH_ADMIN_KEY = env_str("MEILISEARCH_ADMIN_KEY")
MEILISEARCH_INDEX = env_str("MEILISEARCH_INDEX", "contacts")
# Searches that take longer than this fall back to the database (degraded mode).
MEILISEARCH_TIMEOUT = env_float("MEILISEARCH_TIMEOUT", 1.0)
MEILISEARCH_INDEXING_TIMEOUT = env_float("MEILISEARCH_INDEXING_TIMEOUT", 120.0)
# Indexing threads of the managed Meilisearch (search/server.py); 0: all cores.
MEILISEARCH_INDEXING_THREADS = env_int("MEILISEARCH_INDEXING_THREADS", 0, minimum=0)

# --- REST framework --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # One error body for 400/401/403/404/413/429 (issue 7): api/errors.py.
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # How many reverse proxies append to X-Forwarded-For in front of the app (env
    # API_PROXIES). 0: the socket address is the client. Never None: DRF then takes the
    # whole header, which the client writes, as its identity (issue 17: a throttle bypass).
    "NUM_PROXIES": env_int("API_PROXIES", 0, minimum=0),
}
# Per-client rates "requests/period" (e.g. 120/minute); empty switches throttling off.
API_THROTTLE_READ = env_str("API_THROTTLE_READ", "120/minute")
API_THROTTLE_WRITE = env_str("API_THROTTLE_WRITE", "30/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotse API",
    "DESCRIPTION": "Support contacts for people in German local politics who are insulted, threatened or attacked.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/(v1/)?",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "guidance.serializers.document_search_steps",  # issue 16; before the error responses
        "api.schema.add_error_responses",
    ],
}

# API tokens (issue 19): django-rest-knox keeps only a SHA-512 digest and the first 15 of
# 64 characters (to find the row); every token expires. api.ApiToken adds a name and the
# sources the token may import into. Created and revoked in the admin.
KNOX_TOKEN_MODEL = "api.ApiToken"
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}
# knox's own AuthToken is swapped for api.ApiToken, but knox's migrations create its table
# anyway (no `swappable` option): an unused knox_authtoken referencing auth_user, which
# PostgreSQL cannot TRUNCATE beside it (manage.py flush, transactional tests). Without
# knox's migrations, its swapped model gets no table.
MIGRATION_MODULES = {"knox": None}

# Reads only: the token-protected imports are never CORS-enabled (issue 7).
CORS_URLS_REGEX = r"^/api/(?!v1/(imports|proposals|my)/).*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# --- Privacy and security --------------------------------------------------------------
# SECURE_HTTPS=1 in production (served over TLS, usually behind a proxy that sets
# X-Forwarded-Proto): secure cookies, HTTPS redirect, HSTS. Off for http://127.0.0.1.
SECURE_HTTPS = env_bool("SECURE_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0) if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = SECURE_HTTPS and env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "plain"},
        # An empty handler list would fall back to logging.lastResort, which prints.
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request log line carries the query string, and a search reveals where
        # an official lives: our own access log (lotse.middleware) replaces it.
        "django.server": {"handlers": ["null"], "propagate": False},
    },
}

# --- Pages (issue 6) -------------------------------------------------------------------
# Origins that may frame the embed mode (?embed=1), e.g. "https://www.example-kreis.de".
# Empty: nobody may frame any page.
PARTNER_FRAME_ORIGINS = env_list("PARTNER_FRAME_ORIGINS", [])
for _origin in PARTNER_FRAME_ORIGINS:
    _scheme, _, _host = _origin.partition("://")
    if _scheme not in ("http", "https") or not _host or any(c in _host for c in "/ ;,'\"*"):
        raise ImproperlyConfigured(
            f'PARTNER_FRAME_ORIGINS: "{_origin}" is not an origin; use scheme://host[:port], e.g. https://www.example.de'
        )
# Where a partner asks to be added (an e-mail address), shown on the embed builder /embed/.
PARTNER_CONTACT_EMAIL = env_str("PARTNER_CONTACT_EMAIL")
if PARTNER_CONTACT_EMAIL and ("@" not in PARTNER_CONTACT_EMAIL or any(c in PARTNER_CONTACT_EMAIL for c in " <>\"',;")):
    raise ImproperlyConfigured(f'PARTNER_CONTACT_EMAIL: "{PARTNER_CONTACT_EMAIL}" is not an e-mail address')

# --- Licence of the published data (issue 20) -------------------------------------------
# Every export and every API read states it (directory/attribution.py). The operator
# decides; the default is the licence of the reference geography the data builds on.
DATA_LICENCE = env_str("DATA_LICENCE", "CC-BY-4.0").strip()
DATA_LICENCE_URL = env_str("DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/").strip()
DATA_PUBLISHER = env_str("DATA_PUBLISHER", "Lotse").strip()
if not DATA_LICENCE or any(c in DATA_LICENCE for c in "<>\"\r\n"):
    raise ImproperlyConfigured(f'DATA_LICENCE: "{DATA_LICENCE}" is not a licence name; use e.g. CC-BY-4.0')
if not DATA_LICENCE_URL.startswith(("https://", "http://")) or any(c in DATA_LICENCE_URL for c in " <>\"\r\n"):
    raise ImproperlyConfigured(f'DATA_LICENCE_URL: "{DATA_LICENCE_URL}" is not a web address; use https://…')
if not DATA_PUBLISHER or any(c in DATA_PUBLISHER for c in "\r\n"):
    raise ImproperlyConfigured("DATA_PUBLISHER: give the name that attributions show, on one line")

# Paths where staff log in: the only ones allowed to set cookies (session, CSRF).
COOKIE_PATHS = ["/admin/"]
# Paths whose pages bring their own script handling (admin, API docs) and get no CSP here.
CSP_EXEMPT_PATHS = ["/admin/", "/api/"]

# --- Search (issue 5) ------------------------------------------------------------------
# After a failed index push, this process's drainer retries every MIN..MAX seconds
# (doubling) until the durable queue is empty (search/sync.py).
SEARCH_DRAIN_MIN_DELAY = env_float("SEARCH_DRAIN_MIN_DELAY", 0.5)
SEARCH_DRAIN_MAX_DELAY = env_float("SEARCH_DRAIN_MAX_DELAY", 30.0)
# After Meilisearch failed a search, answer from the database for this many seconds
# before trying it again, so that a hanging server does not cost every request a timeout.
SEARCH_RETRY_AFTER = env_float("SEARCH_RETRY_AFTER", 2.0)
# Per-process cache of Meilisearch group results (search/cache.py), keyed by the index
# generation: a changed index is never answered from it. 0 switches it off.
SEARCH_CACHE_MB = env_int("SEARCH_CACHE_MB", 32, minimum=0)
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 300, minimum=0)
# Per-process cache of rendered result cards (pages/cards.py); 0 renders every card.
PAGE_CARD_CACHE = env_int("PAGE_CARD_CACHE", 5000, minimum=0)
# Where the compound splitter keeps its SQLite copy of the German n-grams (search/index.py),
# written once per machine (~20 s; `manage.py prepare_compound_splitter`). Empty: ~/.cache/lotse.
COMPOUND_CACHE_DIR = env_str("COMPOUND_CACHE_DIR")
SEARCH_MAX_PER_PAGE = env_int("SEARCH_MAX_PER_PAGE", 100, minimum=1)
SEARCH_MAX_RADIUS_KM = env_int("SEARCH_MAX_RADIUS_KM", 200, minimum=1)

# --- Importers (issue 4; see fixtures/import/README.md) --------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000, minimum=1)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200, minimum=1)
IMPORT_MAX_XLSX_UNCOMPRESSED = env_int("IMPORT_MAX_XLSX_UNCOMPRESSED", 200 * 1024 * 1024, minimum=1)
# An admin preview keeps its file until it is confirmed, for at most this many hours
# (importers/services.py previews_expire; issue 17).
IMPORT_PREVIEW_HOURS = env_int("IMPORT_PREVIEW_HOURS", 24, minimum=1)
# Files with at least this many rows are checked by a pool of processes as well
# (concurrent.futures, importers/validate.py; in the task worker or the command line, never
# in a web worker); 0 turns that off. Processes: 0 means one per core.
IMPORT_PARALLEL_MIN_ROWS = env_int("IMPORT_PARALLEL_MIN_ROWS", 2000, minimum=0)
IMPORT_PARALLEL_PROCESSES = env_int("IMPORT_PARALLEL_PROCESSES", 0, minimum=0)
# Imports run as background tasks (importers/tasks.py): the database backend of
# django-tasks, worked by `manage.py import_worker` beside the web server. Scale out by
# switching TASKS to a Celery-backed backend (docs/operations.md "Background imports").
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A running import whose worker has not reported for this long is taken as dead: it is
# queued again, or marked failed after IMPORT_MAX_ATTEMPTS (nothing of it was applied).
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 300, minimum=1)
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# "gazetteer" (offline, default) or "nominatim" (geopy, rate-limited and cached; sends
# addresses to IMPORT_GEOCODER_DOMAIN, so it is opt-in).
IMPORT_GEOCODER = env_str("IMPORT_GEOCODER", "gazetteer")
if IMPORT_GEOCODER not in ("gazetteer", "nominatim"):
    raise ImproperlyConfigured(f'IMPORT_GEOCODER: "{IMPORT_GEOCODER}" is not a geocoder; use "gazetteer" or "nominatim"')
IMPORT_GEOCODER_USER_AGENT = env_str("IMPORT_GEOCODER_USER_AGENT", "lotse-importer")
IMPORT_GEOCODER_DOMAIN = env_str("IMPORT_GEOCODER_DOMAIN", "nominatim.openstreetmap.org")
IMPORT_GEOCODER_SCHEME = env_str("IMPORT_GEOCODER_SCHEME", "https")
if IMPORT_GEOCODER_SCHEME not in ("http", "https"):
    raise ImproperlyConfigured(f'IMPORT_GEOCODER_SCHEME: "{IMPORT_GEOCODER_SCHEME}" is not a scheme; use "https" or "http"')
# Seconds between two requests to the online geocoder, for all processes together (shared
# in the database; Nominatim's usage policy: one request per second).
IMPORT_GEOCODER_MIN_DELAY = env_float("IMPORT_GEOCODER_MIN_DELAY", 1.0)

# --- Keeping the directory true (issue 19) --------------------------------------------
# A contact not verified for this many days is stale: its page, the API and the review
# queue say so.
VERIFY_AFTER_DAYS = env_int("VERIFY_AFTER_DAYS", 365, minimum=1)
# Visitors' error reports: the form's signed token is valid this long (and not before
# REPORT_MIN_SECONDS, which a person filling it in always takes); per client at most
# REPORT_RATE reports (the API throttle's keyed-hash counters; empty switches it off).
REPORT_TOKEN_SECONDS = env_int("REPORT_TOKEN_SECONDS", 2 * 3600, minimum=60)
REPORT_MIN_SECONDS = env_int("REPORT_MIN_SECONDS", 3, minimum=0)
REPORT_RATE = env_str("REPORT_RATE", "5/hour")
# History is written by directory/history.py from the one change notification; the
# library's own per-save signals would record half-finished saves and miss bulk writes.
SIMPLE_HISTORY_ENABLED = False
# Admin login lockout (django-axes): after ADMIN_LOGIN_FAILURES failed logins of one user
# name from one client, that pair is locked for ADMIN_LOCKOUT_MINUTES. Administrators see
# and lift lockouts in the admin ("Zugriffsversuche").
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures only: successful logins are not kept
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_CLIENT_IP_CALLABLE = "lotse.clients.client_address"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False
