"""SQLite through its online backup API: the copy is one consistent snapshot even while the
application writes, and restoring copies the pages into the configured file."""
import os
import sqlite3

HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 10  # as the application's own connections (pipeline.extensions)


class BadBackup(Exception):
    """The file is not a usable backup of this application."""


def is_sqlite_file(path):
    with open(path, "rb") as fh:
        return fh.read(len(HEADER)) == HEADER


def backup(database_path, destination):
    """Copy the live database into `destination` (which must not exist yet). Written under a
    temporary name first: a file with the final name is always a complete backup."""
    partial = destination + ".part"
    source = sqlite3.connect(database_path, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # The copy carries the live database's WAL mode; a backup is one self-contained file.
            target.execute("PRAGMA journal_mode=DELETE")
            _check(target, destination)
        finally:
            target.close()
    except Exception:
        _remove(partial)
        raise
    finally:
        source.close()
    os.replace(partial, destination)


def restore(backup_path, database_path):
    """Replace the content of the database at `database_path` by the backup's. The caller has
    closed its own connections; the application should be stopped."""
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    try:
        _check(source, backup_path)
        os.makedirs(os.path.dirname(os.path.abspath(database_path)), exist_ok=True)
        target = sqlite3.connect(database_path, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # what the application runs with
        finally:
            target.close()
    finally:
        source.close()


def _check(connection, path):
    result = connection.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BadBackup(f"{path} is damaged: {result}")
    found = connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()[0]
    if not found:
        raise BadBackup(f"{path} is not a database of this application (no alembic_version table).")


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass
