"""`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH [--yes]`."""
import os
import sys
from datetime import datetime
from itertools import groupby

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import lazyload

from pipeline.base import clock
from pipeline.base.files import PRIVATE_FILE, make_private_folder, private_umask
from pipeline.backup import postgres, sqlite_file, uploads
from pipeline.extensions import db, migrate
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state, verify_chain
from pipeline.workflow.models import LogEntry

EXTENSIONS = {"sqlite": ".sqlite", "postgresql": ".dump"}


def _dialect():
    name = db.engine.dialect.name
    if name not in EXTENSIONS:
        raise click.ClickException(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _safe_url():
    return db.engine.url.render_as_string(hide_password=True)


def _sqlite_path():
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise click.ClickException("An in-memory SQLite database has nothing to back up or restore.")
    return path


def _release_connections():
    """Our own session's locks would block a restore (PostgreSQL's DROP waits for them)."""
    db.session.remove()
    db.engine.dispose()


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup(path):
    """Back up the database (and the scans, as PATH's name with .uploads.tar) while the
    application runs. PATH defaults to instance/backups/ketnap-YYYYMMDD-HHMMSS.sqlite (.dump
    on PostgreSQL)."""
    dialect = _dialect()
    if path is None:
        stamp = datetime.now(clock.TIME_ZONE).strftime("%Y%m%d-%H%M%S")
        path = os.path.join(current_app.instance_path, "backups", f"ketnap-{stamp}{EXTENSIONS[dialect]}")
    path = os.path.abspath(path)
    scans = uploads.archive_path(path)
    for existing in (path, scans):
        if os.path.exists(existing):
            raise click.ClickException(f"{existing} exists already: choose another name.")
    # Every person's particulars and scans: the backup, its archive and any folder made for them
    # are readable by this user only, whatever the shell's umask (pipeline.base.files).
    with private_umask():
        make_private_folder(os.path.dirname(path))
        try:
            if dialect == "sqlite":
                sqlite_file.backup(_sqlite_path(), path)
            else:
                postgres.backup(db.engine.url, path)
        except (postgres.ToolFailed, sqlite_file.BadBackup, OSError) as error:
            raise click.ClickException(f"Backup failed: {error}")
        os.chmod(path, PRIVATE_FILE)
        click.echo(f"Database {_safe_url()} backed up to {path} ({os.path.getsize(path):,} bytes).")
        count = uploads.archive(current_app.instance_path, scans)
    click.echo(f"Scans: {count} file(s) in {scans}." if count else "Scans: none to back up.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that has data without asking.")
@with_appcontext
def restore(path, yes):
    """Replace the configured database by the backup at PATH (and unpack the scans archived
    next to it). Stop the application first. A database with data is replaced only with --yes
    or after confirming at a terminal."""
    dialect = _dialect()
    path = os.path.abspath(path)
    _check_kind(path, dialect)
    try:
        rows = 0 if dialect == "sqlite" and not os.path.exists(_sqlite_path()) else _rows_in_database()
    except OperationalError as error:
        raise click.ClickException(f"Cannot reach the database {_safe_url()} ({error.orig}). On PostgreSQL, "
                                   "create it first (createdb), empty: restore fills it.")
    if rows:
        message = (f"The database {_safe_url()} has data ({rows:,} rows): restoring replaces all of it "
                   f"with the backup {path}.")
        if not yes:
            if not sys.stdin.isatty():
                raise click.ClickException(message + " Run again with --yes to confirm.")
            click.confirm(message + " Continue?", abort=True)
    _release_connections()
    if dialect == "postgresql":
        with db.engine.connect() as connection:
            others = postgres.other_sessions(connection)
        db.engine.dispose()
        if others:
            raise click.ClickException(f"{others} other connection(s) to {_safe_url()}: is the application "
                                       "still running? Stop it (and any other client) and restore again; "
                                       "nothing was changed.")
    try:
        with private_umask():  # a database file or scan folder it creates: this user's only
            if dialect == "sqlite":
                sqlite_file.restore(path, _sqlite_path())
            else:
                postgres.restore(db.engine.url, path)
    except (postgres.ToolFailed, sqlite_file.BadBackup, OSError) as error:
        raise click.ClickException(f"Restore failed: {error}")
    db.engine.dispose()  # connections opened before the restore may hold the old schema's state
    click.echo(f"Database {_safe_url()} restored from {path}.")
    scans = uploads.archive_path(path)
    if os.path.exists(scans):
        with private_umask():
            count = uploads.restore(scans, current_app.instance_path)
        click.echo(f"Scans: {count} file(s) unpacked into {os.path.join(current_app.instance_path, 'uploads')}.")
    else:
        click.echo(f"Scans: no archive {scans}; the uploads folder is left as it is.")
    _report_restored()


def _check_kind(path, dialect):
    is_sqlite, is_dump = sqlite_file.is_sqlite_file(path), postgres.is_dump_file(path)
    if dialect == "sqlite" and not is_sqlite:
        raise click.ClickException(f"{path} is not a SQLite backup"
                                   + (" (it is a PostgreSQL dump)." if is_dump else "."))
    if dialect == "postgresql" and not is_dump:
        raise click.ClickException(f"{path} is not a PostgreSQL dump (pg_dump --format=custom)"
                                   + (" (it is a SQLite database)." if is_sqlite else "."))


def _rows_in_database():
    """Rows in the application's tables that exist in the configured database (none in a new one)."""
    existing = set(inspect(db.engine).get_table_names())
    total = 0
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            total += db.session.execute(select(func.count()).select_from(table)).scalar_one()
    db.session.rollback()
    return total


def _broken_chains():
    """(cases, ids of the cases whose chain does not verify), reading the log once, in order."""
    statement = (select(LogEntry).options(lazyload(LogEntry.actor))
                 .order_by(LogEntry.case_id, LogEntry.seq).execution_options(yield_per=1000))
    cases, broken = 0, []
    for case_id, entries in groupby(db.session.execute(statement).scalars(), key=lambda row: row.case_id):
        cases += 1
        if verify_chain(list(entries)) is not None:
            broken.append(case_id)
    db.session.rollback()
    return cases, broken


def _report_restored():
    """What came back: the schema revision against the application's, and every case's chain."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        raise click.ClickException("The restored database has no schema revision (alembic_version): "
                                   "it was not a backup of this application.")
    head = ScriptDirectory.from_config(migrate.get_config()).get_current_head()
    if revision != head:
        click.echo(f"Schema revision {revision}; this application is at {head}: run `flask --app wsgi init-db`.")
    key = key_state()
    if key in (KEY_MISSING, KEY_WRONG):
        # The key is never in a backup of the database: it travels separately (instance/log_key).
        raise click.ClickException(
            "The chains were not verified: " + ("the log key is missing (restore instance/log_key or set "
                                                "KETNAP_LOG_KEY)" if key == KEY_MISSING else
                                                "the key is not the one the log was written with")
            + "; then run `flask --app wsgi audit verify`.")
    cases, broken = _broken_chains()
    if broken:
        raise click.ClickException(f"The act log of {len(broken)} case(s) does not verify: {broken[:20]}.")
    click.echo(f"Act log verified: {cases} case(s), every chain intact.")
