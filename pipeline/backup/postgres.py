"""PostgreSQL through pg_dump (custom format) and pg_restore. The connection settings come
from the application's database URL and reach the tools through libpq's environment
variables: the password never appears on a command line (visible to every local user) nor in
any output."""
import os
import shutil
import subprocess

from sqlalchemy import text

HEADER = b"PGDMP"
# libpq settings an URL may carry as query parameters (?sslmode=require, ?host=/run/postgresql).
QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
             "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
             "application_name": "PGAPPNAME"}


class ToolFailed(Exception):
    """pg_dump or pg_restore is missing or reported an error."""


def is_dump_file(path):
    with open(path, "rb") as fh:
        return fh.read(len(HEADER)) == HEADER


def libpq_environment(url):
    """The environment for a libpq tool connecting to the database of `url` (a SQLAlchemy URL)."""
    env = dict(os.environ)
    for value, name in ((url.host, "PGHOST"), (url.port, "PGPORT"), (url.username, "PGUSER"),
                        (url.password, "PGPASSWORD"), (url.database, "PGDATABASE")):
        if value is not None:
            env[name] = str(value)
    for key, value in url.query.items():
        if key in QUERY_ENV:
            env[QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


def backup(url, destination):
    """pg_dump the database into `destination`, under a temporary name until it is complete."""
    partial = destination + ".part"
    try:
        _run("pg_dump", ["--format=custom", "--no-password", f"--file={partial}"], url)
    except Exception:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    os.replace(partial, destination)


def restore(url, dump_path):
    """Replace the configured database's tables by the dump's, in one transaction: a failed
    restore leaves the database as it was. The caller has closed its own connections (their
    locks would make the DROPs wait)."""
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                        "--no-password", f"--dbname={url.database}", dump_path], url)


def other_sessions(connection):
    """How many other clients are connected to the database of `connection`. A restore waits for
    every lock they hold, as long as they hold it (the dump's own settings turn lock_timeout off),
    so it runs only when nobody else is connected."""
    return connection.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar()


def _run(tool, arguments, url):
    executable = shutil.which(tool)
    if executable is None:
        raise ToolFailed(f"{tool} was not found: install the PostgreSQL client tools "
                         "(Debian: apt-get install postgresql-client), of the server's major version or newer.")
    completed = subprocess.run([executable, *arguments], env=libpq_environment(url), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise ToolFailed(f"{tool} failed (exit {completed.returncode}): {completed.stderr.strip()}")
