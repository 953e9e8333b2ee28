"""Default settings; `instance/config.py` and the environment override them."""

DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
    # Refused logins allowed before the login page answers 429 (pipeline/accounts/limits.py).
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMITS_PER_ADDRESS": "10 per minute; 50 per hour",
    "LOGIN_LIMITS_PER_ACCOUNT": "5 per minute; 30 per hour",
    "PASSWORD_MIN_LENGTH": 10,
    # How passwords are hashed (werkzeug's methods): slow on purpose against guessing.
    "PASSWORD_HASH_METHOD": "scrypt",
    "USERS_PER_PAGE": 50,
    "WTF_CSRF_TIME_LIMIT": None,
    # A scanned dossier document (PDF, JPEG or PNG), stored under instance/uploads/.
    "DOSSIER_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
}


def database_url_from_env(url):
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
