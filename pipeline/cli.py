"""Command-line tasks: `flask --app wsgi init-db | demo | create-user | deadlines refresh | backup | restore`;
`audit verify | audit head` are pipeline.audit.cli's."""
import sys

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade

from pipeline.extensions import db


def register(app):
    app.cli.add_command(init_db)
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    app.cli.add_command(deadlines)
    from pipeline.audit.cli import audit
    app.cli.add_command(audit)
    from pipeline.backup.commands import backup, restore
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    from pipeline.imports.cli import import_candidates
    app.cli.add_command(import_candidates)


@click.command("init-db")
@with_appcontext
def init_db():
    """Bring the database schema to the newest migration."""
    upgrade()
    click.echo("Database at the newest schema: " + _safe_url())
    _fill_missing_deadlines()


def _fill_missing_deadlines():
    """A database that had cases before the deadline table existed gets its rows from the log."""
    from sqlalchemy import func, select
    from pipeline.cases.models import Case
    from pipeline.workflow.projection import CaseDeadline, refresh_open_cases
    if (db.session.scalar(select(func.count()).select_from(CaseDeadline)) == 0
            and db.session.scalar(select(func.count()).select_from(Case))):
        written = refresh_open_cases()
        db.session.commit()
        click.echo(f"Running deadlines computed from the log: {written}.")


@click.group("deadlines")
def deadlines():
    """The running deadlines the dashboard and reminders count (derived from the log)."""


@deadlines.command("refresh")
@with_appcontext
def refresh_deadlines_command():
    """Recompute every open case's running deadlines from the log and the calendar."""
    from pipeline.workflow.projection import refresh_open_cases
    written = refresh_open_cases()
    db.session.commit()
    click.echo(f"Running deadlines recomputed: {written}.")


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
    """Create a user account."""
    from pipeline.accounts.models import User
    from pipeline.units.models import Unit
    unit = db.session.execute(db.select(Unit).filter_by(code=unit_code)).scalar_one_or_none()
    if unit is None:
        raise click.BadParameter(f"no unit with code {unit_code!r}", param_hint="--unit")
    if db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none():
        raise click.BadParameter(f"user {username!r} exists already", param_hint="--username")
    user = User(username=username, display_name=display_name, role=role, unit=unit)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username} ({role}) on {unit.name}.")


class CountProgress:
    """How far a long command has got, as `update(done, total)` calls tell it: a progress bar on
    a terminal; on anything else (CI, a log file) where a bar would be control characters, a
    plain line every `every` items and at the end ("120/345 cases recorded")."""

    def __init__(self, label, noun, every=50, file=None, interactive=None):
        self.label, self.noun, self.every, self.file = label, noun, every, file
        self.interactive = (file or sys.stdout).isatty() if interactive is None else interactive
        self._bar = None

    def update(self, done, total):
        if not self.interactive:
            if done % self.every == 0 or done == total:
                click.echo(f"{done}/{total} {self.noun}", file=self.file)
            return
        if self._bar is None:  # the total is known only once the work has begun
            self._bar = click.progressbar(length=total, label=self.label, show_pos=True, file=self.file)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)
        if done >= total:
            self.close()

    def echo(self, message):
        """A line of its own, below the bar rather than through it."""
        self.close()
        click.echo(message, file=self.file)

    def close(self):
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)


@click.command("demo")
@click.option("--reset", is_flag=True, help="Empty the database first (every row is lost).")
@with_appcontext
def demo(reset):
    """Load the Điện Bàn 2022 demonstration data into an empty database."""
    from pipeline.demo.loader import DemoRefused, load_demo
    progress = CountProgress("Recording cases", "cases recorded")
    try:
        summary = load_demo(reset=reset, progress=progress.echo, case_progress=progress.update)
    except DemoRefused as refusal:
        raise click.ClickException(str(refusal))
    finally:
        progress.close()  # a failure halfway leaves the terminal on a line of its own
    click.echo(summary)
