"""Settings shared by every environment. Everything that varies comes from the environment.

With nothing set, the project runs on a SQLite file and a Celery broker on the filesystem, so a
newcomer needs no server. Set DATABASE_URL and REDIS_URL to use PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
# True only under casetransfer.settings.production: what must never run there (seed_demo) asks.
PRODUCTION = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, on a site that requires two-factor authentication (issue 13).
    "people.apps.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    # Login lockout after repeated failures (issue 13).
    "axes",
    # Two-factor sign-in with an authenticator app (TOTP), before people so its device admin
    # is replaced there by an audited one.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "people",
    "audit",
    "cases",
    "deadlines",
    "transfers",
    "registers",
    "casework",
    "conferences",
    "escalations",
    # The project package itself, for its management commands (fsm_diagrams).
    "casetransfer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session was signed in with a two-factor code.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on signed-in pages, Permissions-Policy, the client address for
    # the audit trail.
    "casetransfer.middleware.SecurityHeadersMiddleware",
    # Within a GET, the cases a user sees are worked out once.
    "casetransfer.middleware.ReadOnlyRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login (here and in the admin) before the model backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "people.backends.ModelBackendOneQuery",
]

ROOT_URLCONF = "casetransfer.urls"
WSGI_APPLICATION = "casetransfer.wsgi.application"

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
                "casetransfer.context_processors.navigation",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'casetransfer.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (issue 14): a new PostgreSQL connection costs about 16 ms a request.
# CONN_HEALTH_CHECKS drops a connection the server has closed before a request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT (issue 14): PostgreSQL compiles a query whose estimated cost passes
    # jit_above_cost, which for the home page's "waiting for you" query took 585 ms of an
    # 790 ms run at 100,000 cases; a web page's short queries never win it back.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # No server-side cursors (issue 14): a form's list of teams is read through
    # QuerySet.iterator(), which on PostgreSQL is BEGIN, DECLARE ... WITH HOLD, FETCH, CLOSE and
    # COMMIT, five round trips for fifteen rows. No code here streams a large result.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and beat share the file. IMMEDIATE transactions take the
    # write lock up front (waiting up to `timeout`), instead of failing with "database is locked"
    # when a read upgrades to a write; WAL lets readers carry on beside the one writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Logins: locked after LOGIN_FAILURE_LIMIT failures for one username from one address (so one
# office behind one address is not locked out by one person), for LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "people.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "casetransfer.middleware.client_ip"
# How many proxies in front of the app append to X-Forwarded-For; 0: the peer address is the
# client's. Set to 1 behind one TLS-terminating proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication (django-otp): the name authenticator apps show beside the code, and
# how long the code page waits for a code after the password before asking for it again.
OTP_TOTP_ISSUER = "Case transfers"
TWO_FACTOR_PENDING_SECONDS = 5 * 60

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# The idle clock restarts on a request at most once a minute (casetransfer.middleware), not
# with a session write on every request.
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): no inline script or style; the GOV.UK template's
# scripts are static files. A nonce is there for any inline script that must stay.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SECURE_REFERRER_POLICY = "same-origin"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# GOV.UK Frontend comes from the npm registry (package.json); never from a CDN.
GOVUK_FRONTEND_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS = [BASE_DIR / "static", ("govuk", GOVUK_FRONTEND_DIST)]
# The precompiled GOV.UK CSS asks for its fonts and images at /assets/...
WHITENOISE_ROOT = GOVUK_FRONTEND_DIST if GOVUK_FRONTEND_DIST.exists() else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads (transfer-in conference bundles): private, outside static, never served by URL; only
# a view that checks who may see the request sends them (no MEDIA_URL route exists).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
CONFERENCE_UPLOAD_MAX_BYTES = env.int("CONFERENCE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
CRISPY_GDS_FRONTEND_VERSION = "5.14.0"

# Email: the console by default; SMTP in production. The timeout keeps a hung server from
# blocking a worker forever.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="casetransfer@localhost")

# Celery: Redis when REDIS_URL is set, otherwise a broker on the filesystem that needs no server.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is ./control: runtime files in the work tree, never in git.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Beat keeps its schedule in UTC; the London-time jobs say their zone through nowfun.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {
        "task": "deadlines.tasks.sweep_deadlines",
        "schedule": 60.0,
    },
    # Does nothing unless it is Monday from 08:00 London and the week has no snapshot yet.
    "take-weekly-snapshot": {
        "task": "registers.tasks.take_weekly_snapshot",
        "schedule": 15 * 60.0,
    },
    # Escalations whose response deadline has passed go to the next level.
    "escalate-overdue-escalations": {
        "task": "escalations.tasks.escalate_overdue",
        "schedule": 60.0,
    },
    # Expired sessions (and whatever they held) leave the session table once a day.
    "clear-expired-sessions": {
        "task": "casetransfer.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60.0,
    },
}

# The weekly digest (Monday 08:00 London) is sent by the sweep itself, keyed by ISO week, so a
# beat that was down at 08:00 still sends it once when it comes back.

# The outbox: attempts before an email is marked failed, the first retry delay (doubling), and
# how long a worker may hold a row in "sending" before another sweep takes it back.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=60)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# Retries go on past OUTBOX_MAX_ATTEMPTS for as long as the email matters (a reminder until its
# deadline, an alert while its deadline is open, anything else OUTBOX_RETRY_HOURS), at most
# OUTBOX_BACKOFF_MAX_SECONDS apart; administrators hear after OUTBOX_ALERT_AFTER_ATTEMPTS.
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=900)
OUTBOX_RETRY_HOURS = env.int("OUTBOX_RETRY_HOURS", default=72)
OUTBOX_ALERT_AFTER_ATTEMPTS = env.int("OUTBOX_ALERT_AFTER_ATTEMPTS", default=3)
# A pending email queued to the workers is queued again after this if no worker took it.
OUTBOX_REDISPATCH_SECONDS = env.int("OUTBOX_REDISPATCH_SECONDS", default=60)
# The sweep queues due emails this many to a task: claimed together, sent over one connection,
# recorded as sent together (issue 14). The lease above covers the whole batch.
OUTBOX_SEND_BATCH = env.int("OUTBOX_SEND_BATCH", default=20)
# One sweep run works through its backlog in batches for at most this long.
SWEEP_TIME_BUDGET_SECONDS = env.int("SWEEP_TIME_BUDGET_SECONDS", default=40)
# A deadline that failed this many sweeps in a row shows on /healthz and the admin home page.
SWEEP_FAILURES_ALERT = env.int("SWEEP_FAILURES_ALERT", default=3)

# The deadline sweep is stale (and /healthz says so) when it has not run for this long.
SWEEP_STALE_AFTER_SECONDS = env.int("SWEEP_STALE_AFTER_SECONDS", default=300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
