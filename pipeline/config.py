"""Default settings; `instance/config.py` and the environment override them."""
from sqlalchemy.engine import make_url


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # PostgreSQL: the few statements every request or act runs by a row's key are prepared on the
    # server (pipeline.extensions.PREPARED). False behind a pooler that hands each transaction
    # another server connection (PgBouncer's transaction mode before 1.21).
    "PREPARED_STATEMENTS": True,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    "CANDIDATES_PER_PAGE": 50,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # False: cookies are Secure on HTTPS requests only (pipeline/web/security.py); True: always.
    "SESSION_COOKIE_SECURE": False,
    # 1 behind one reverse proxy: trust its X-Forwarded-For/-Proto (client address, HTTPS).
    "PROXY_FIX": False,
    # Refused logins allowed before the login page answers 429 (pipeline/accounts/limits.py);
    # the address's limits count second-factor attempts too.
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMITS_PER_ADDRESS": "10 per minute; 50 per hour",
    "LOGIN_LIMITS_PER_ACCOUNT": "5 per minute; 30 per hour",
    "TWO_FACTOR_LIMITS_PER_ACCOUNT": "5 per minute; 20 per hour",
    # Roles that must sign in with a second factor (TOTP): they enrol at their next login.
    "TWO_FACTOR_REQUIRED_ROLES": ["admin", "board"],
    # A session without a request for this long ends: the next page asks to log in again.
    "SESSION_IDLE_MINUTES": 30,
    # The JSON API (pipeline.api): calls allowed per personal access token, in the login limits'
    # storage (RATELIMIT_STORAGE_URI); and its OpenAPI document (flask-smorest).
    "API_RATE_LIMITS": "120 per minute; 3000 per hour",
    "API_TITLE": "Kết nạp API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "PASSWORD_MIN_LENGTH": 10,
    # How passwords are hashed (werkzeug's methods): slow on purpose against guessing.
    "PASSWORD_HASH_METHOD": "scrypt",
    "USERS_PER_PAGE": 50,
    "WTF_CSRF_TIME_LIMIT": None,
    # A scanned dossier document (PDF, JPEG or PNG), stored under instance/uploads/.
    "DOSSIER_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    # Any request body; None: the scan's limit plus a margin for the form (pipeline/web/inbound.py).
    # Flask's MAX_FORM_MEMORY_SIZE (500 kB per text field) and MAX_FORM_PARTS (1,000) bound multipart forms.
    "MAX_CONTENT_LENGTH": None,
    # The most rows one bulk form may carry (a ceremony day, an enrolment, a class's results).
    "BULK_ROWS_MAX": 500,
    # The e-mail digests of the users' queues (`send-digests`, pipeline.queue.digests). None: no
    # mail server, nothing is ever sent and the application never connects out. The account and
    # its password come from the environment (KETNAP_MAIL_USERNAME, KETNAP_MAIL_PASSWORD).
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,  # STARTTLS after connecting (port 587)
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": None,  # e.g. "Kết nạp <ketnap@example.vn>"; None: ket-nap@<MAIL_SERVER>
    "MAIL_TIMEOUT": 30,
    # The address users open the application at (https://ketnap.example.vn): the digests' links.
    "SITE_URL": None,
    # Exports of more rows than this are made by the worker (pipeline.jobs, `flask --app wsgi
    # worker`) and downloaded from their page; None: every export is made in its request.
    "EXPORT_JOB_ROWS": 20000,
    "EXPORT_JOB_PDF_SHEETS": 200,  # the same for a branch's checklists PDF, in sheets (cases)
    "EXPORT_JOB_REPORT_UNITS": 3000,  # and for the year report's PDF, in units of its subtree
    "EXPORT_JOB_HOURS": 24,  # how long a job's file is kept (from when it is ready)
    # The jobs' queue (huey). None: a SQLite file in the instance folder, no server needed;
    # "redis://host:6379/1" or "postgresql://…" when deployed (README "Production").
    "JOBS_QUEUE_URL": None,
    # True: a job is made inside the request that asks for it, no worker needed (development).
    "JOBS_IMMEDIATE": False,
    "JOBS_WORKERS": 2,  # threads of `flask --app wsgi worker`: jobs made at once
}


# psycopg's count of a statement's runs before it prepares it: never reached.
NEVER_BY_COUNT = 2**62


def engine_options(url, options, prepared=True):
    """The engine's options for the database at `url`. On psycopg 3, no server-side prepared
    statement by count: psycopg prepares a statement after its fifth run on a connection, and
    PostgreSQL may then give it a generic plan that ignores the parameters' values; on a reused
    (pooled) connection the quotas page went from 0.8 s to 21 s at 100k cases
    (benchmarks/prepared.py). Only the statements marked for it are (pipeline.extensions.PREPARED),
    and none when `prepared` is False (psycopg then prepares nothing at all).
    And no JIT: PostgreSQL compiles a statement whose estimated cost passes `jit_above_cost`, and for
    the queue and the reports' statements that took 0.7 s of a 1 s query (34,500 cases) to save
    milliseconds."""
    options = dict(options or {})
    if make_url(url).get_driver_name() == "psycopg":
        options["connect_args"] = {**options.get("connect_args", {}),
                                   "prepare_threshold": NEVER_BY_COUNT if prepared else None,
                                   "options": "-c jit=off"}
    return options


def database_url_from_env(url):
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
