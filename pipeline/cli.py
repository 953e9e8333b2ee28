"""Command-line tasks: `flask --app wsgi init-db | demo | create-user | deadlines refresh | snapshots build`
(`audit`, `backup`, `restore` and `import-candidates` are their features' own). Commands call
operations, which commit; a command never does."""
import os

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from pipeline.accounts.operations import AccountRefused, create_user as create_account
from pipeline.audit.db_roles import RoleRefused, grant_app_role
from pipeline.base.files import PRIVATE_FILE, private_umask
from pipeline.base.progress import CountProgress
from pipeline.base.signing import ensure_log_key
from pipeline.cases.models import Case
from pipeline.demo.loader import DemoRefused, load_demo
from pipeline.demo.reorganisation import SERVE_TODAY, apply_reorganisation
from pipeline.extensions import db
from pipeline.units.forms import TOP_KINDS, OrganisationSetupForm
from pipeline.units.models import Unit
from pipeline.units.setup import SetupRefused, set_up_organisation, unit_count
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state
from pipeline.workflow.models import CaseDeadline
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.operations import rebuild_open_cases
from pipeline.workflow.projection import REBUILD_BATCH, build_snapshots, cases_without_snapshot

DEMO_SCENARIOS = ("2022", "reorganisation-2025")


@click.command("init-db")
@click.option("--app-role", envvar="KETNAP_APP_ROLE", default=None,
              help="PostgreSQL: the application's own login role, created if missing and granted what it "
                   "needs but UPDATE and DELETE on the logs (run as the tables' owner)")
@click.option("--app-password", envvar="KETNAP_APP_PASSWORD", default=None,
              help="the password to give the application's role")
@with_appcontext
def init_db(app_role, app_password):
    """Bring the database schema to the newest migration (and create the log key if none)."""
    ensure_log_key(current_app)
    with private_umask():  # a new SQLite file, and its -wal and -shm, readable by this user only
        upgrade()
    _keep_sqlite_file_private()
    click.echo("Database at the newest schema: " + _safe_url())
    _fill_missing_deadlines()
    if app_role:
        try:
            for line in grant_app_role(app_role, app_password):
                click.echo(line)
        except RoleRefused as refused:
            raise click.ClickException(str(refused))


def _keep_sqlite_file_private():
    """A SQLite database holds every person's particulars: an existing file made readable by
    others (copied, restored, created before this rule) is narrowed to this user."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and os.path.exists(url.database):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(url.database + suffix):
                os.chmod(url.database + suffix, PRIVATE_FILE)


def _fill_missing_deadlines():
    """A database that had cases before the deadline table existed gets its rows from the log."""
    if (db.session.scalar(select(func.count()).select_from(CaseDeadline)) == 0
            and db.session.scalar(select(func.count()).select_from(Case))):
        written = rebuild_open_cases()
        click.echo(f"Running deadlines computed from the log: {written}.")


@click.group("deadlines")
def deadlines():
    """The running deadlines the dashboard and reminders count (derived from the log)."""


@deadlines.command("refresh")
@with_appcontext
def refresh_deadlines_command():
    """Recompute every open case's running deadlines (and the rest of its projection) from the
    log and the calendar."""
    written = rebuild_open_cases()
    click.echo(f"Running deadlines recomputed: {written}.")


@click.group("snapshots")
def snapshots():
    """Each case's state kept for its acts (derived from the log)."""


@snapshots.command("build")
@with_appcontext
def build_snapshots_command():
    """Write the snapshot of every case that has none (or one of an older format) from its log,
    in batches of one transaction each: a database upgraded past migration 0018. Acts work
    without it (they replay the log and write it), only slower."""
    missing = cases_without_snapshot()
    db.session.rollback()
    calendar = WorkingCalendar.load()
    progress = CountProgress("Building snapshots", "cases", every=REBUILD_BATCH * 20)
    try:
        for start in range(0, len(missing), REBUILD_BATCH):
            with one_transaction():
                build_snapshots(missing[start:start + REBUILD_BATCH], calendar)
            progress.update(min(start + REBUILD_BATCH, len(missing)), len(missing))
    finally:
        progress.close()
    click.echo(f"Snapshots written: {len(missing)}.")


def _safe_url():
    return db.engine.url.render_as_string(hide_password=True)


@click.command("create-user")
@click.option("--username", prompt=True)
@click.option("--display-name", prompt=True)
@click.option("--role", type=click.Choice(["secretary", "committee", "board", "admin"]), prompt=True)
@click.option("--unit", "unit_code", prompt="Unit code", help="code of the unit whose subtree the user acts on")
@click.password_option()
@with_appcontext
def create_user(username, display_name, role, unit_code, password):
    """Create a user account (from the command line: no administrator acts for it)."""
    unit = db.session.execute(select(Unit).filter_by(code=unit_code)).scalar_one_or_none()
    if unit is None:
        raise click.BadParameter(f"no unit with code {unit_code!r}", param_hint="--unit")
    try:
        create_account(None, username, display_name, role, unit, password)
    except AccountRefused as refused:
        hint = "--username" if refused.field == "username" else "--role"
        raise click.BadParameter(f"{username!r}: {refused.reason}", param_hint=hint)
    click.echo(f"Created {username} ({role}) on {unit.name}.")


SETUP_PROMPTS = (("unit_code", "Code of the top unit (e.g. dienban)", False),
                 ("unit_name", "Name of the top unit (e.g. Đảng bộ thị xã Điện Bàn)", False),
                 ("username", "Username of the first administrator", False),
                 ("display_name", "Full name and title of the first administrator", False),
                 ("password", "Password of the first administrator", True))


@click.command("setup")
@click.option("--unit-code", help="code of the top unit (letters, digits, . _ -)")
@click.option("--unit-name", help="name of the top unit, as its seal reads")
@click.option("--unit-kind", type=click.Choice(TOP_KINDS), default=None,
              help="kind of the top unit (default: asked; town when not asked)")
@click.option("--decides-admissions/--no-decides-admissions", default=True, show_default=True,
              help="whether the top unit's standing committee decides admissions")
@click.option("--admin-username", "username", help="username of the first administrator")
@click.option("--admin-name", "display_name", help="full name and title of the first administrator")
@click.option("--admin-password", "password", envvar="KETNAP_ADMIN_PASSWORD",
              help="the administrator's password (better: leave it out and type it when asked)")
@with_appcontext
def setup(unit_code, unit_name, unit_kind, decides_admissions, username, display_name, password):
    """Set up your own organisation on an empty database (after init-db): its top unit and its
    first administrator. What is not given as an option is asked for."""
    _ready_for_setup()
    given = {"unit_code": unit_code, "unit_name": unit_name, "username": username,
             "display_name": display_name, "password": password}
    for name, question, secret in SETUP_PROMPTS:
        if given[name] is None:
            given[name] = click.prompt(question, hide_input=secret, confirmation_prompt=secret)
    if unit_kind is None:
        unit_kind = click.prompt("Kind of the top unit", type=click.Choice(TOP_KINDS), default="town")
    data = dict(given, unit_kind=unit_kind, confirm=given["password"],
                decides_admissions="y" if decides_admissions else "")
    with force_locale("en"):  # like the other commands' output
        form = OrganisationSetupForm(formdata=MultiDict(data))
        if not form.validate():
            for field in form:
                for error in field.errors:
                    click.echo(f"{field.label.text}: {error}", err=True)
            raise click.ClickException("Nothing was written: correct the values above and run setup again.")
    try:
        top, admin = set_up_organisation(form.unit_code.data, form.unit_name.data, form.unit_kind.data,
                                         form.decides_admissions.data, form.username.data,
                                         form.display_name.data, form.password.data)
    except SetupRefused as refused:
        raise click.ClickException(_already_set_up(refused.args[0]))
    except AccountRefused as refused:
        with force_locale("en"):
            raise click.ClickException(f"{refused.field}: {refused.reason}. Nothing was written.")
    click.echo(f"Set up {top.name} ({top.code}, {top.kind}) with its administrator {admin.username}.")
    click.echo("Next: log in as the administrator to create the units below it and their accounts.")


def _already_set_up(count):
    return (f"This database already has {count} unit(s): setup is for an empty database. Add units on the "
            "administrators' pages, or start from an empty database.")


def _ready_for_setup():
    """Refuse before asking anything: no schema yet, no log key, or units already there."""
    try:
        count = unit_count()
    except DBAPIError:
        db.session.rollback()
        raise click.ClickException("The database has no schema yet: run `flask --app wsgi init-db` first.")
    if count:
        raise click.ClickException(_already_set_up(count))
    state = key_state()
    if state == KEY_MISSING:
        raise click.ClickException("The log key is missing: run `flask --app wsgi init-db` (it creates "
                                   "instance/log_key) or set KETNAP_LOG_KEY.")
    if state == KEY_WRONG:
        raise click.ClickException("The log key is not the one this database was set up with: use that key.")


@click.command("demo")
@click.option("--reset", is_flag=True, help="Empty the database first (every row is lost).")
@click.option("--scenario", type=click.Choice(DEMO_SCENARIOS), default="2022", show_default=True,
              help="2022: the Điện Bàn demo as of 31/10/2022; reorganisation-2025: the same, then the "
                   "reorganisation of 1/7/2025 (communes merged, decisions by the new communes' committees)")
@with_appcontext
def demo(reset, scenario):
    """Load the Điện Bàn 2022 demonstration data into an empty database."""
    progress = CountProgress("Recording cases", "cases recorded")
    try:
        summary = load_demo(reset=reset, progress=progress.echo, case_progress=progress.update)
    except DemoRefused as refusal:
        raise click.ClickException(str(refusal))
    finally:
        progress.close()  # a failure halfway leaves the terminal on a line of its own
    click.echo(summary)
    if scenario == "reorganisation-2025":
        click.echo(apply_reorganisation().summary())
        # The demo's deadlines and the merged tree read right only from a day after the change.
        click.echo(f"Serve it as of a day after the reorganisation: KETNAP_TODAY={SERVE_TODAY.isoformat()} "
                   "python3 manage.py serve")
