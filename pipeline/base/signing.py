"""The key that seals the logs: every chained row's hash is an HMAC-SHA256 under a key kept
outside the database (the instance folder's `log_key`, or KETNAP_LOG_KEY in the environment), so
whoever holds only the database cannot recompute a chain after editing it.

The key is created by `init-db` (and by the migration that introduced it); the application never
makes one up at start, because a fresh key would silently make the whole log unverifiable."""
import hashlib
import hmac
import json
import os

from flask import current_app

from pipeline.base.files import create_private_file, make_private_folder

KEY_FILE = "log_key"
# What the stored fingerprint is computed over: it tells a wrong key from a tampered log.
_FINGERPRINT_MESSAGE = b"ket-nap: log key fingerprint"


class LogKeyMissing(RuntimeError):
    """No log key is configured: nothing can be appended to a chained log, nor verified."""


def key_path(instance_path):
    return os.path.join(instance_path, KEY_FILE)


def read_key_file(instance_path):
    """The key in the instance folder, or None when there is none."""
    path = key_path(instance_path)
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        return fh.read().strip() or None


def create_key_file(instance_path):
    """Write a new random key readable by its owner only; an existing key is never replaced.
    Returns the key in the file."""
    existing = read_key_file(instance_path)
    if existing:
        return existing
    make_private_folder(instance_path)
    try:
        create_private_file(key_path(instance_path), os.urandom(32).hex().encode())
    except FileExistsError:
        pass  # another process made it meanwhile: its key is the one
    return read_key_file(instance_path)


def ensure_log_key(app):
    """The application's key, creating the instance file when none is configured (init-db,
    migrations, the demo); returns it."""
    if not app.config.get("LOG_KEY"):
        app.config["LOG_KEY"] = create_key_file(app.instance_path)
    return app.config["LOG_KEY"]


def _as_bytes(key):
    # Flask reads KETNAP_LOG_KEY as JSON when it can: an all-digit key arrives as a number.
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def current_key():
    key = current_app.config.get("LOG_KEY")
    if key is None or key == "":
        raise LogKeyMissing(
            "The log key is missing: set KETNAP_LOG_KEY or restore instance/log_key "
            "(flask --app wsgi init-db creates one for a new database).")
    return _as_bytes(key)


def seal(payload, key=None):
    """The HMAC-SHA256 of `payload` (str) under the log key, in hex."""
    key = current_key() if key is None else _as_bytes(key)
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def key_fingerprint(key=None):
    """A value stored in the database to recognise the key later without revealing it."""
    key = current_key() if key is None else _as_bytes(key)
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def canonical_json(fields):
    """The one text a row's fields are sealed as: keys sorted, no spaces, letters as they are."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def same_digest(a, b):
    return hmac.compare_digest(a or "", b or "")
