"""Settings of the CléA back-office, all read from the environment.

Defaults suit a newcomer's demo (SQLite file, in-process worker); production sets DATABASE_URL,
REDIS_URL or RABBITMQ_URL, SECRET_KEY, ALLOWED_HOSTS and keeps DEBUG off.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-demo-key-only-for-debug-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Served behind HTTPS unless told otherwise: secure cookies, HSTS, redirect.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a reverse proxy: it sets X-Forwarded-Proto and appends the client's address to X-Forwarded-For.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
# A shared office computer: the session ends with the browser, and after this many minutes without a request
# (backoffice.core.security.middleware.IdleSessionMiddleware; 0 turns it off).
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_IDLE_MINUTES = int(env("SESSION_IDLE_MINUTES", "60"))

INSTALLED_APPS = [
    "backoffice.core.accounts",
    "backoffice.core.audit",
    "backoffice.core.legacy",
    "backoffice.core.places",
    "backoffice.core.signing",
    "backoffice.imports",
    "backoffice.exports",
    "backoffice.notifications",
    "backoffice.dashboards",
    "backoffice.fees",
    "backoffice.surveys",
    "backoffice.api",
    "accreditation",
    "casefiles",
    "workflows",
    "fixtures",
    "backoffice.core",
    "backoffice",
    "backoffice.benchmarks",
    "backoffice.core.admin_site.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "backoffice.core.staticfiles.StaticFilesConfig",
    "django.contrib.humanize",
    "django_dramatiq",
    "dramatiq_crontab",
    "formtools",
    "import_export",
    "viewflow",
    "viewflow.workflow",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "backoffice.core.security",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backoffice.core.middleware.FrenchOnlyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "backoffice.core.security.middleware.IdleSessionMiddleware",
    "backoffice.core.security.middleware.TwoFactorMiddleware",
    "workflows.middleware.ProcessScopeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout noted during the login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backoffice.notifications.context.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'backoffice.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The in-process worker writes while the web process serves: wait rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A larger page cache than SQLite's 2 MB default: the demo's two years of history are a few hundred MB.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
    # Tests on SQLite use a file beside the database (worker threads need a file, not memory).
    _database_file = Path(str(DATABASES["default"]["NAME"]))
    DATABASES["default"]["TEST"] = {"NAME": str(_database_file.with_name(f"test-{_database_file.name}"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "index"  # the site index route (backoffice/urls.py)
LOGOUT_REDIRECT_URL = "login"

PASSWORD_MIN_LENGTH = int(env("PASSWORD_MIN_LENGTH", "12"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "backoffice.core.security.passwords.FrenchCommonPasswordValidator"},
]
# django-axes counts failed logins per username and address; its backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backoffice.core.security.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "backoffice.core.security.client_ip.client_ip"
AXES_VERBOSE = False
# The link of the "mot de passe oublié" email is valid this many hours.
PASSWORD_RESET_TIMEOUT = int(env("PASSWORD_RESET_HOURS", "24")) * 3600
# Two-factor authentication (TOTP), optional per person: the issuer is the name shown in the application.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "CléA Certif'Pro")
# Content Security Policy: no inline script anywhere; the Material components set inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"report-uri": [env("CSP_REPORT_URI")]} if env("CSP_REPORT_URI") else {}),
    },
}

# French is the only language of the UI (docs/architecture.md, "Language"): strings are French literals,
# there is no message catalogue of our own and no language switch; USE_I18N stays on for Django's and
# Viewflow's own French catalogues (forms, dates, the admin).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {
        "BACKEND": env("DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Serve static files straight from the apps (no collectstatic) in DEBUG and in the browser tests.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
# Not worth compressing (two thirds of collectstatic's time): source maps, fetched by developers' tools only,
# and the fonts' legacy formats, fetched by no current browser (each takes the WOFF2 beside them).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map", "eot", "otf", "ttf")

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "emails"))  # the demo's file backend
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Certif'Pro <ne-pas-repondre@certifpro.example>")

# Dramatiq: Redis or RabbitMQ in production and CI; an in-process worker for the demo.
REDIS_URL = env("REDIS_URL")
RABBITMQ_URL = env("RABBITMQ_URL")
_DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
]
if REDIS_URL:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {"url": REDIS_URL},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
elif RABBITMQ_URL:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
        "OPTIONS": {"url": RABBITMQ_URL},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
else:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": _DRAMATIQ_MIDDLEWARE,
    }
# Start a worker thread inside the web process (demo only: no broker server needed).
INPROCESS_WORKER = env_bool("INPROCESS_WORKER", not (REDIS_URL or RABBITMQ_URL))
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
# Periodic actors (`@cron`) are sent by one `manage.py crontab` process; with Redis, a lock stops a second
# scheduler instance from sending them twice.
# A second scheduler waits this long for the first one's lock, then gives up (dramatiq-crontab's 15 s).
CRONTAB_LOCK_WAIT = int(env("CRONTAB_LOCK_WAIT", "15"))
DRAMATIQ_CRONTAB = {"REDIS_URL": REDIS_URL, "LOCK_BLOCKING_TIMEOUT": CRONTAB_LOCK_WAIT} if REDIS_URL else {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The private links' secrets are masked in every record (backoffice/core/security/private_links.py).
    "filters": {"private_links": {"()": "backoffice.core.security.private_links.PrivateLinksFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["private_links"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
    },
}

# CléA business defaults, configurable without a code change.
ACCREDITATION_DEFAULT_YEARS = int(env("ACCREDITATION_DEFAULT_YEARS", "3"))
# A cache shared by every web process (the verification page's rate limit counts across them): Redis in
# production (`CACHE_URL=redis://127.0.0.1:6379/1`), the process's memory otherwise.
CACHE_URL = env("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# The public address of the back-office, printed in certificates' QR codes (verification page).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# The training-account system (SI CPF, Caisse des Dépôts): the certifier's identifiers received when it
# registered on the CDC's portal, and the version of the XML schema the files follow (casefiles/cdc/schemas).
# The defaults are the demo's: production sets its own.
CDC_ID_CLIENT = env("CDC_ID_CLIENT", "DEMO0001")
CDC_ID_CONTRAT = env("CDC_ID_CONTRAT", "DEMO-CONTRAT")
CDC_SCHEMA_VERSION = env("CDC_SCHEMA_VERSION", "1.1.2")
# Signed documents (backoffice/core/signing, docs/certificates.md). The PDFs (certificates, jury minutes,
# decision letters) are sealed with pyHanko (PAdES B-B; B-T when a timestamp authority is set) with the key
# and certificate of this PKCS#12 file; production uses a certificate from a qualified trust service provider
# and says so with SIGNING_CERTIFICATE_QUALIFIED. Unset: documents are not signed (and the pages say so). The
# demo and the tests generate a self-signed one at set-up (`manage.py make_demo_keys`). Relative paths are
# taken from the project's directory.
SIGNING_PKCS12_PATH = env("SIGNING_PKCS12_PATH")
SIGNING_PKCS12_PASSWORD = env("SIGNING_PKCS12_PASSWORD")
SIGNING_CERTIFICATE_QUALIFIED = env_bool("SIGNING_CERTIFICATE_QUALIFIED", False)
TSA_URL = env("TSA_URL")
# The credentials (Open Badges 3.0, VC-JWT) and the status lists are signed with the first of these JWK
# files (Ed25519 or P-256, private); the others are earlier keys kept so that old credentials still verify
# (published in /.well-known/did.json). Rotation: put the new key first, keep the old one after it.
CREDENTIAL_KEY_PATHS = env_list("CREDENTIAL_KEY_PATHS")
# LinkedIn's numeric identifier of Certif'Pro's company page, for the holder's "add to profile" link (blank:
# the organisation's name is used).
LINKEDIN_ORGANIZATION_ID = env("LINKEDIN_ORGANIZATION_ID")
# Largest document joined to a case file (PDF or image).
# Exports of lists: up to this many rows at once, beyond in the background; files kept this many days.
EXPORT_INLINE_MAX_ROWS = int(env("EXPORT_INLINE_MAX_ROWS", "1000"))
EXPORT_RETENTION_DAYS = int(env("EXPORT_RETENTION_DAYS", "7"))
# Imported files (CSV/XLSX): 100,000 candidates weigh about 15 MB.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
CASEFILE_DOCUMENT_MAX_BYTES = int(env("CASEFILE_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DEMO_PASSWORD = env("DEMO_PASSWORD", "clea-demo-2026")
# Days a case officer has to check an application's completeness, then to review it, before escalation.
APPLICATION_CHECK_DAYS = int(env("APPLICATION_CHECK_DAYS", "10"))
APPLICATION_REVIEW_DAYS = int(env("APPLICATION_REVIEW_DAYS", "30"))
# Days each pathway step may wait before it is overdue (shown as the task's due date).
PATHWAY_STEP_DUE_DAYS = {
    "positioning": 15,
    "training_plan": 15,
    "final_evaluation": 180,
    "ready_for_jury": 45,
    "jury_return": 30,
}

# Fees (docs/fees.md): the accounting file's journal and account codes, one per kind of act (the sales
# accounts), the organisations' receivable account and the VAT collected account.
FEES_JOURNAL = env("FEES_JOURNAL", "VT")
FEES_AUTO_ISSUE = env_bool("FEES_AUTO_ISSUE", True)  # the quarterly job issues; off: a draft only
FEES_ACCOUNT_CODES = {
    "customer": env("FEES_ACCOUNT_CUSTOMER", "411000"),
    "vat": env("FEES_ACCOUNT_VAT", "445710"),
    "application": env("FEES_ACCOUNT_APPLICATION", "706100"),
    "site": env("FEES_ACCOUNT_SITE", "706200"),
    "positioning": env("FEES_ACCOUNT_POSITIONING", "706300"),
    "certificate": env("FEES_ACCOUNT_CERTIFICATE", "706400"),
    "duplicate": env("FEES_ACCOUNT_DUPLICATE", "706500"),
}
# The issuer printed on every statement (the legal mentions of a French invoice); the defaults are the demo's.
FEES_ISSUER_NAME = env("FEES_ISSUER_NAME", "Certif'Pro")
FEES_ISSUER_ADDRESS = env("FEES_ISSUER_ADDRESS", "10 rue de l'Exemple, 75009 Paris")
FEES_ISSUER_SIREN = env("FEES_ISSUER_SIREN", "123456782")
FEES_ISSUER_VAT_NUMBER = env("FEES_ISSUER_VAT_NUMBER", "FR11123456782")
FEES_PAYMENT_DAYS = int(env("FEES_PAYMENT_DAYS", "30"))  # the due date: so many days after the issue

# Personal data
# Candidates whose files are all closed for longer than this many years are anonymised by the monthly job
# (`casefiles.tasks.anonymise_expired_candidates`, `manage.py anonymise_candidates`); docs/personal-data.md.
CANDIDATE_RETENTION_YEARS = int(env("CANDIDATE_RETENTION_YEARS", "5"))

# The organisations' API (docs/api.md): Django REST framework, its OpenAPI 3.1 schema by drf-spectacular,
# Swagger UI and Redoc served from the project's static files (drf-spectacular-sidecar: no CDN, by the CSP).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backoffice.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["backoffice.api.authentication.KeyScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["backoffice.api.authentication.KeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backoffice.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API CléA — Certif'Pro",
    "DESCRIPTION": (
        "Les dossiers, évaluations et certificats d'un organisme évaluateur, pour ses propres logiciels : "
        "les mêmes règles que les formulaires et les imports du back-office (docs/api.md)."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"^/api/v[0-9]+",  # a regex: the versioned path, cut from the operations
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EvaluationKindEnum": "backoffice.api.serializers.EVALUATION_KINDS",
        "LotKindEnum": "backoffice.api.serializers.LOT_KINDS",
    },
}
# Calls per minute and key, refused keys per minute and address; the API's body size limit, read before
# parsing (a lot of 1,000 results given criterion by criterion weighs 3 to 4 MB; the rest of the site keeps
# Django's 2.5 MB); up to this many items a lot is written during the request, beyond by the import worker.
API_RATE_LIMIT = int(env("API_RATE_LIMIT", "120"))
API_REFUSED_KEYS_LIMIT = int(env("API_REFUSED_KEYS_LIMIT", "30"))
API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", str(10 * 1024 * 1024)))
API_SYNC_MAX = int(env("API_SYNC_MAX", "100"))
