"""`flask --app wsgi import-units FILE --as USERNAME [--dry-run]` and
`flask --app wsgi import-accounts FILE --as USERNAME [--dry-run]`: an administrator's unit tree
or accounts from a CSV or XLSX file, all rows or none. The one-time passwords of the accounts
are printed once, in a table on the standard output, and kept nowhere in clear."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from pipeline.accounts.models import User
from pipeline.base.errors import NotPermitted
from pipeline.bulk import accounts, units
from pipeline.extensions import db
from pipeline.imports.cli import _fail
from pipeline.imports.sheet import SheetError
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state


def _administrator(username):
    actor = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
    if actor is None or not actor.is_active:
        raise click.ClickException(_("No active user %(username)s.", username=username))
    if actor.role != "admin":
        raise click.ClickException(_("%(user)s is not an administrator: only an administrator imports units and "
                                     "accounts.", user=username))
    return actor


def _read(table, path, username):
    actor = _administrator(username)
    try:
        sheet, layout, problems = table.read(path)
    except SheetError as refusal:
        raise click.ClickException(str(refusal.args[0]))
    if key_state() in (KEY_MISSING, KEY_WRONG):
        # Rows sealed without the log's key could never be verified: nothing is written.
        raise click.ClickException(_("The log key is missing or is not the one this database's log was written "
                                     "with: restore instance/log_key or set KETNAP_LOG_KEY. Nothing was written."))
    for header in layout.ignored:
        click.echo(_("Column “%(column)s” is not read by the import.", column=header), err=True)
    return actor, sheet, layout, problems


def _dry_run(count):
    click.echo(ngettext("%(num)d row checked, no problems found; nothing was written (dry run).",
                        "%(num)d rows checked, no problems found; nothing was written (dry run).", count))


def _judged(table, judge, path, username):
    """(the importing administrator, the file's rows judged); every problem printed and exit 1."""
    actor, sheet, layout, problems = _read(table, path, username)
    rows = []
    if not problems:
        rows, problems = judge(actor, sheet, layout)
    if problems:
        _fail(problems)
    return actor, rows


def _written(create, actor, rows):
    """What `create` made of the rows, all or nothing (its problems printed, exit 1)."""
    try:
        return create(actor, rows)
    except units.ImportFailed as failed:
        _fail(failed.problems)
    except NotPermitted as refused:
        raise click.ClickException(str(refused))


@click.command("import-units")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="the administrator under whose units the tree goes")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@with_appcontext
def import_units(path, username, dry_run):
    """Create the units of a CSV or XLSX file (code, name, kind, parent code…), all or none."""
    actor, rows = _judged(units.UNIT_TABLE, units.judge_units, path, username)
    if dry_run:
        return _dry_run(len(rows))
    created = _written(units.create_units, actor, rows)
    click.echo(ngettext("Created %(num)d unit.", "Created %(num)d units.", created))


@click.command("import-accounts")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="the administrator whose units the accounts belong to")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@with_appcontext
def import_accounts(path, username, dry_run):
    """Create the accounts of a CSV or XLSX file, each with a one-time password printed once."""
    actor, rows = _judged(accounts.ACCOUNT_TABLE, accounts.judge_accounts, path, username)
    if dry_run:
        return _dry_run(len(rows))
    created = _written(accounts.create_accounts, actor, rows)
    click.echo(ngettext("Created %(num)d account. Give each owner their one-time password in person: it is shown "
                        "only now, and must be changed at the first login.",
                        "Created %(num)d accounts. Give each owner their one-time password in person: they are "
                        "shown only now, and must be changed at the first login.", len(created)))
    width = max(len(user.username) for user, _password in created)
    click.echo(f"{_('Username'):<{width}}  {_('One-time password')}")
    for user, password in created:
        click.echo(f"{user.username:<{width}}  {password}")
