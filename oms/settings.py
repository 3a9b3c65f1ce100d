"""OMS settings: one module, driven by environment variables with safe defaults.

With no variable set the project runs as a demo on a bare machine: SQLite, Celery in eager
mode, e-mail to the console and a development secret key. `OMS_ENV=production` turns on the
production hardening and requires `DJANGO_SECRET_KEY` and `DJANGO_ALLOWED_HOSTS`.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


OMS_ENV = os.environ.get("OMS_ENV", "development")
PRODUCTION = OMS_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when OMS_ENV=production")
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "anymail",
    "core",
    "customers",
    "inventory",
    "orders",
    "payments",
    "shipping",
    "returns",
    "reports",
    "queues",
    "digests",
    "documents",
    "notifications",
    "portal",
    "webhooks",
    "importer",
    "api",
    "backoffice",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"

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
                "backoffice.context_processors.navigation",
            ],
        },
    },
]

# Django's renderer, with selects drawn in Python (core/renderers.py): same HTML, less time.
FORM_RENDERER = "core.renderers.FormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME") or None}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the zero-setup demo database: wait for the write lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # JIT compiles the plans of big queries (an export's), costing them more than it saves;
    # the short queries of pages never reach its threshold.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # QuerySet.iterator() (Django's choice fields iterate their options with it) would open a
    # server-side cursor: three round trips for a list of a few channels. Nothing here streams
    # a big result through it (exports use COPY), and a transaction-pooling proxy
    # (PgBouncer) cannot keep such cursors anyway.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Reports read from a streaming replica of the database when DATABASE_REPLICA_URL is set
# (core.db_routers; writes never go there), so their scans never slow order intake. In tests
# the alias mirrors the test database.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_routers.ReportingRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "backoffice:home"
LOGOUT_REDIRECT_URL = "login"

# --- Login safety (django-axes) ---------------------------------------------------------------
# After OMS_LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address, that pair is
# locked out for OMS_LOGIN_COOLOFF_MINUTES, even with the right password; an administrator
# unlocks it sooner in the admin (Axes › Access attempts) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before the rest
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("OMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("OMS_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets that pair's earlier failures
AXES_LOCKOUT_CALLABLE = "backoffice.views.locked_out"  # the login page, with the reason
# Password reset links (e-mailed from DEFAULT_FROM_EMAIL) stay valid this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("OMS_PASSWORD_RESET_TIMEOUT_SECONDS", "7200"))

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orders@oms.example")
# A provider through django-anymail: EMAIL_BACKEND=anymail.backends.postmark.EmailBackend (or
# mailgun, amazon_ses, sendgrid…) and its settings as ANYMAIL_<NAME> variables
# (ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_WEBHOOK_SECRET="user:password" for the tracking
# webhooks under /notifications/anymail/<provider>/tracking/).
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}
# Who the customer e-mails come from, as their header and footer show it.
OMS_SHOP = {
    "name": os.environ.get("OMS_SHOP_NAME", "OMS Demo Shop"),
    "address": os.environ.get("OMS_SHOP_ADDRESS", "200 Logistics Way, Edison, NJ 08817, US"),
    "email": os.environ.get("OMS_SHOP_EMAIL", DEFAULT_FROM_EMAIL),
    "phone": os.environ.get("OMS_SHOP_PHONE", ""),
} | ({"logo_url": os.environ["OMS_SHOP_LOGO_URL"]} if os.environ.get("OMS_SHOP_LOGO_URL") else {})
# Text messages (notifications.sms): the console backend prints them; a provider's is a class.
OMS_SMS_BACKEND = os.environ.get("OMS_SMS_BACKEND", "notifications.sms.ConsoleSmsBackend")
# The customer's order-status link (portal, in every customer e-mail) opens it this many days.
OMS_STATUS_LINK_DAYS = int(os.environ.get("OMS_STATUS_LINK_DAYS", "90"))

# --- Celery ---------------------------------------------------------------------------------
# The broker is CELERY_BROKER_URL (amqp://… for RabbitMQ, the production choice: it hands an
# unacknowledged task to another worker as soon as the connection of the worker running it drops)
# or else REDIS_URL (small installs: a lost task waits for the visibility timeout, the sweeper is
# the safety net). REDIS_URL stays the result backend either way. Neither set: tasks run eagerly.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
# Eager mode (the demo) runs the tasks a request queues once its response is sent
# (core/deferred.py): a task that fails (a gateway outage) is recorded as failed instead of
# raising. Tests propagate.
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
# In eager mode, a request's tasks run after its response (core/deferred.py). Off, they run
# inside it, as Celery runs eager tasks: the browser tests' live server turns it off, since a
# keep-alive connection's next request would wait behind the tasks of the one before.
OMS_DEFER_EAGER_TASKS = env_bool("OMS_DEFER_EAGER_TASKS", default=True)
# A task is acknowledged when it has finished, not when it starts, so a worker that dies
# mid-task leaves it on the broker; one message at a time, so a dead worker holds no others.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses its broker connection stops its running tasks: the broker has already
# given them back to be run elsewhere, and one run at a time is what the tasks' locks expect.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
# A worker holds a task with a countdown unacknowledged until it is due; the longest is a retry
# backoff of 10 minutes. Redis's visibility timeout must exceed it or Redis hands the task to a
# second worker; so must RabbitMQ's consumer_timeout (30 minutes by default), or it closes the
# channel. RabbitMQ uses classic durable queues (Celery's default): a quorum queue also survives
# the loss of a node, but only in a cluster.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "cancel-stale-orders": {
        "task": "orders.tasks.cancel_stale_orders",
        "schedule": timedelta(minutes=15),
    },
    "flag-expiring-authorizations": {
        "task": "payments.tasks.flag_expiring_authorizations",
        "schedule": timedelta(hours=1),
    },
    "sweep-stuck-payment-work": {
        "task": "payments.tasks.sweep_stuck_work",
        "schedule": timedelta(minutes=1),
    },
    "sweep-at-risk": {
        "task": "shipping.tasks.sweep_at_risk",
        "schedule": timedelta(minutes=15),
    },
    "purge-used-form-tokens": {
        "task": "core.tasks.purge_used_form_tokens",
        "schedule": timedelta(hours=6),
    },
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": timedelta(hours=1),
    },
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_deliveries",
        "schedule": timedelta(minutes=1),
    },
    # Scheduled reports: creates each due run once and sends it (digests/services.py says why
    # one sweep rather than a beat entry per subscription).
    "send-due-digests": {
        "task": "digests.tasks.send_due_digests",
        "schedule": timedelta(minutes=1),
    },
    "refresh-daily-sales": {
        "task": "reports.tasks.refresh_daily_sales",
        "schedule": timedelta(minutes=5),
    },
}

# --- Cache ----------------------------------------------------------------------------------
# Every process (web servers, workers) must share the cache: the rate tables' version
# (shipping.rate_tables) tells the others to read the tables again, and the demo tracking tick
# runs once a minute across all of them. So the cache is Redis at CACHE_URL, else REDIS_URL;
# neither set (tests, the demo on a bare machine, one process), it is this process's memory.
# Short socket timeouts: a Redis outage fails the request quickly instead of hanging it.
CACHE_URL = os.environ.get("CACHE_URL") or REDIS_URL
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "oms",  # beside Celery's keys when it shares REDIS_URL's database
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(
        "CACHE_URL must be a Redis URL (redis://, rediss:// or unix://) or empty"
    )
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Domain settings ------------------------------------------------------------------------
OMS_DEFAULT_CURRENCY = os.environ.get("OMS_DEFAULT_CURRENCY", "USD")
# Orders left unpaid (placed) or in draft longer than this are cancelled and their stock freed.
OMS_STALE_ORDER_HOURS = int(os.environ.get("OMS_STALE_ORDER_HOURS", "72"))
# Business maximums every service checks (core.limits), well inside what the columns hold, so
# a mistyped figure is refused with the limit instead of stored and breaking every page.
OMS_MAX_UNIT_PRICE = int(os.environ.get("OMS_MAX_UNIT_PRICE", "1000000"))
OMS_MAX_QUANTITY = int(os.environ.get("OMS_MAX_QUANTITY", "100000"))
OMS_MAX_STOCK_ADJUSTMENT = int(os.environ.get("OMS_MAX_STOCK_ADJUSTMENT", "1000000"))
OMS_MAX_ORDER_TOTAL = int(os.environ.get("OMS_MAX_ORDER_TOTAL", "1000000000"))
# A stock adjustment of more units than this asks the user to confirm it first.
# Used one-time form tokens are kept this long, then purged (core.tasks).
OMS_FORM_TOKEN_DAYS = int(os.environ.get("OMS_FORM_TOKEN_DAYS", "7"))
OMS_CONFIRM_STOCK_ADJUSTMENT = int(os.environ.get("OMS_CONFIRM_STOCK_ADJUSTMENT", "1000"))
# Staff with orders.give_discount but not orders.override_price (Customer service) may discount
# a line by at most this share of it; prices themselves they may not change.
OMS_CS_DISCOUNT_LIMIT_PERCENT = Decimal(os.environ.get("OMS_CS_DISCOUNT_LIMIT_PERCENT", "10"))

# --- Documents (invoices, credit notes) -----------------------------------------------------
# The seller printed on every invoice and credit note and written into their Factur-X XML.
# country: ISO 3166 alpha-2; tax_id: the VAT or sales-tax registration number.
OMS_SELLER = {
    "name": os.environ.get("OMS_SELLER_NAME", "OMS Demo Shop Inc."),
    "line1": os.environ.get("OMS_SELLER_LINE1", "100 Commerce Street"),
    "city": os.environ.get("OMS_SELLER_CITY", "New York"),
    "region": os.environ.get("OMS_SELLER_REGION", "NY"),
    "postal_code": os.environ.get("OMS_SELLER_POSTAL_CODE", "10013"),
    "country": os.environ.get("OMS_SELLER_COUNTRY", "US"),
    "tax_id": os.environ.get("OMS_SELLER_TAX_ID", "US-00-0000000"),
    "email": os.environ.get("OMS_SELLER_EMAIL", "accounts@example.com"),
}
# When an order's invoice is issued: "capture" (the first money captured or received) or
# "shipment" (the first parcel handed to the carrier).
OMS_INVOICE_ON = os.environ.get("OMS_INVOICE_ON", "capture")
if OMS_INVOICE_ON not in ("capture", "shipment"):
    raise ImproperlyConfigured('OMS_INVOICE_ON must be "capture" or "shipment"')
# Payment terms of an invoice not yet paid in full (invoice terms set their own due date).
OMS_INVOICE_PAYMENT_DAYS = int(os.environ.get("OMS_INVOICE_PAYMENT_DAYS", "30"))

# --- Webhooks -------------------------------------------------------------------------------
# Hosts a webhook may be sent to although they resolve to non-public addresses (SSRF check,
# webhooks/security.py), e.g. 127.0.0.1 in development. Empty: public addresses only.
WEBHOOKS_ALLOWED_HOSTS = env_list("WEBHOOKS_ALLOWED_HOSTS")
# Seconds to connect and to wait for an answer; retries back off from the base (doubling, with
# jitter, capped) for WEBHOOKS_RETRY_HOURS; that many failures in a row pause the subscription.
WEBHOOKS_TIMEOUT = float(os.environ.get("WEBHOOKS_TIMEOUT", "10"))
WEBHOOKS_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "30"))
WEBHOOKS_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", "7200"))
WEBHOOKS_RETRY_HOURS = int(os.environ.get("WEBHOOKS_RETRY_HOURS", "24"))
WEBHOOKS_PAUSE_AFTER_FAILURES = int(os.environ.get("WEBHOOKS_PAUSE_AFTER_FAILURES", "20"))

# --- Payments -------------------------------------------------------------------------------
# Without STRIPE_SECRET_KEY card payments go to the simulated gateway (Stripe's test cards,
# no network), so the demo works offline. Under OMS_ENV=production the simulated gateway (and its
# public checkout page) refuses to start unless OMS_ALLOW_SIMULATED_GATEWAY=1 (a staging site);
# OMS_PAYMENT_GATEWAY=manual takes no cards at all. STRIPE_API_BASE overrides Stripe's API
# address (the tests point it at a local fake Stripe).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# The SDK's own immediate retries (same idempotency key); the Celery tasks retry with backoff.
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
# Seconds to connect to Stripe and to wait for its answer (the SDK's default is 80 s). A call
# that times out has an unknown outcome: it is asked again with the same idempotency key.
STRIPE_CONNECT_TIMEOUT = float(os.environ.get("STRIPE_CONNECT_TIMEOUT", "5"))
STRIPE_READ_TIMEOUT = float(os.environ.get("STRIPE_READ_TIMEOUT", "20"))
OMS_PAYMENT_GATEWAY = os.environ.get("OMS_PAYMENT_GATEWAY") or (
    "stripe" if STRIPE_SECRET_KEY else "simulated"
)
OMS_ALLOW_SIMULATED_GATEWAY = env_bool("OMS_ALLOW_SIMULATED_GATEWAY", default=False)
# Gateway calls, refunds and Stripe events left without an answer this long are queued again
# by the sweeper (payments.tasks.sweep_stuck_work, every minute): a lost task is not lost work.
OMS_SWEEP_AFTER_MINUTES = int(os.environ.get("OMS_SWEEP_AFTER_MINUTES", "5"))
# Authorizations whose capture deadline is this close are flagged on the timeline and listed.
OMS_AUTHORIZATION_EXPIRY_WARNING_HOURS = int(
    os.environ.get("OMS_AUTHORIZATION_EXPIRY_WARNING_HOURS", "24")
)
# Where customers land after a payment link; also the base of links in e-mails.
OMS_SITE_URL = os.environ.get("OMS_SITE_URL", "http://127.0.0.1:8000")
STRIPE_CHECKOUT_SUCCESS_URL = os.environ.get(
    "STRIPE_CHECKOUT_SUCCESS_URL", f"{OMS_SITE_URL.rstrip('/')}/payments/checkout/done/"
)
STRIPE_CHECKOUT_CANCEL_URL = os.environ.get(
    "STRIPE_CHECKOUT_CANCEL_URL", f"{OMS_SITE_URL.rstrip('/')}/payments/checkout/cancelled/"
)

# --- Shipping -------------------------------------------------------------------------------
# Carriers quote from the rate tables in the database (the offline default) unless a carrier's
# adapter is "easypost": that one needs EASYPOST_API_KEY. EASYPOST_API_BASE overrides EasyPost's
# API address (the tests point it at a local fake EasyPost); empty means the SDK's default.
EASYPOST_API_KEY = os.environ.get("EASYPOST_API_KEY", "")
EASYPOST_API_BASE = os.environ.get("EASYPOST_API_BASE", "")
EASYPOST_WEBHOOK_SECRET = os.environ.get("EASYPOST_WEBHOOK_SECRET", "")
# Seconds to wait for EasyPost's answer (the SDK's default is 60 s).
EASYPOST_TIMEOUT = int(os.environ.get("EASYPOST_TIMEOUT", "20"))
# Signs the rate-table carrier's own tracking webhooks (X-OMS-Signature: t=…,v1=…); empty
# refuses them. Signatures older than the tolerance are refused (a replayed request).
SHIPPING_WEBHOOK_SECRET = os.environ.get("SHIPPING_WEBHOOK_SECRET", "")
SHIPPING_WEBHOOK_TOLERANCE_SECONDS = int(
    os.environ.get("SHIPPING_WEBHOOK_TOLERANCE_SECONDS", "300")
)
# Demo tracking: the built-in carrier's parcels move one step (in transit → out for delivery →
# delivered) every OMS_DEMO_TRACKING_STEP_MINUTES, as if the carrier scanned them. On by default
# where DEBUG is (the demo), never in production unless asked for.
OMS_DEMO_TRACKING = env_bool("OMS_DEMO_TRACKING", default=DEBUG and not PRODUCTION)
OMS_DEMO_TRACKING_STEP_MINUTES = int(os.environ.get("OMS_DEMO_TRACKING_STEP_MINUTES", "10"))
if OMS_DEMO_TRACKING:
    CELERY_BEAT_SCHEDULE["advance-demo-tracking"] = {
        "task": "shipping.tasks.advance_demo_tracking",
        "schedule": timedelta(minutes=1),
    }

# --- REST framework -------------------------------------------------------------------------
# Integrations authenticate with their tokens (api.authentication; first, so a request without
# credentials gets 401 with WWW-Authenticate); staff signed in to the dashboard may read.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.NewestFirstCursor",
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# Requests per token (or staff user) allowed, counted in the shared cache: "600/min", "20/s".
OMS_API_RATE = os.environ.get("OMS_API_RATE", "600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "OMS integration API",
    "DESCRIPTION": "Channels, ERPs and apps: orders in, orders out. Bearer tokens with scopes.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "OrderPaymentStatusEnum": "orders.models.PaymentStatus",
        "FulfilmentStatusEnum": "orders.models.FulfilmentStatus",
        "HoldReasonEnum": "orders.models.HoldReason",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "ShipmentStatusEnum": "shipping.models.ShipmentStatus",
        "StockReasonEnum": "inventory.models.StockMovement.Reason",
        "AdjustmentReasonEnum": "api.serializers.inventory.ADJUSTMENT_CHOICES",
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy: every script and style comes from static/ (htmx too); templates carry
# data attributes that static/js/oms.js handles, and htmx runs with allowEval off (base.html).
# Enforced in production; in development the same policy is report-only, so a violation shows in
# the browser console without breaking the page (tests/e2e enforce it where they check).
CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CSP = CONTENT_SECURITY_POLICY if PRODUCTION else {}
SECURE_CSP_REPORT_ONLY = {} if PRODUCTION else CONTENT_SECURITY_POLICY
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint, the font subsetter and factur-x log every step of every PDF at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "factur-x": {"level": "WARNING"},
    },
}
