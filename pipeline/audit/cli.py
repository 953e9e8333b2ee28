"""`flask --app wsgi audit verify [--unit CODE]` checks the log key, walks the hash chains,
replays every case's log and every account's chain against the tables, and exits 1 when anything
is broken or differs (2 when the key is missing or is not the one the log was written with);
`flask --app wsgi audit head [--unit CODE]` prints the chain head to compare with paper."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from pipeline.audit.head import unit_head
from pipeline.audit.replayed import account_differences, case_differences, unit_codes, unit_differences, usernames
from pipeline.audit.verify import case_names, verify
from pipeline.base.signing import key_path
from pipeline.extensions import db
from pipeline.notes.chain import verify_notes
from pipeline.readlog.reads import reader_names, verify_reads
from pipeline.units.models import Unit
from pipeline.workflow.log import KEY_MISSING, KEY_UNRECORDED, KEY_WRONG, key_state

KEY_TROUBLE = 2  # the exit status when the key is missing or wrong: nothing could be judged


def _unit(code):
    if code is None:
        return None
    unit = db.session.execute(select(Unit).filter_by(code=code)).scalar_one_or_none()
    if unit is None:
        raise click.BadParameter(f"no unit with code {code!r}", param_hint="--unit")
    return unit


@click.group("audit")
def audit():
    """Checks of the act log."""


def check_key():
    """Stop with a clear message (exit 2) when the log key is missing or not the log's."""
    state = key_state()
    where = key_path(current_app.instance_path)
    if state == KEY_MISSING:
        click.echo(f"The log key is missing: nothing can be verified. Restore the file {where} "
                   f"(instance/log_key) from where you keep it, or set KETNAP_LOG_KEY.", err=True)
        raise SystemExit(KEY_TROUBLE)
    if state == KEY_WRONG:
        source = "KETNAP_LOG_KEY" if os.environ.get("KETNAP_LOG_KEY") else where
        click.echo(f"The key is not the one the log was written with: its fingerprint differs from the one "
                   f"stored in the database (key read from {source}). Use the key kept with this database; "
                   f"if it is the right one, the stored fingerprint itself was changed.", err=True)
        raise SystemExit(KEY_TROUBLE)
    if state == KEY_UNRECORDED:
        click.echo("Log key: the database holds no fingerprint of it (a wrong key would show as broken rows).")
    else:
        click.echo("Log key: the one the log was written with.")


def _chains(root):
    report = verify(root)
    names = case_names([b.case_id for b in report.breaks])
    with force_locale("en"):  # like the other commands' output
        for broken in report.breaks:
            name, branch = names.get(broken.case_id, ("?", "?"))
            act = f" ({broken.act})" if broken.act else ""
            click.echo(f"case {broken.case_id} ({name}, {branch}), act no. {broken.seq}{act}: "
                       f"{broken.kind}: {broken.detail}")
    click.echo(f"Cases checked: {report.cases}")
    click.echo(f"Rows checked: {report.rows}")
    click.echo(f"Broken: {len(report.breaks)}")
    return len(report.breaks)


def _case_tables(root):
    count, found = case_differences(root)
    names = case_names([d.subject for d in found])
    for difference in found:
        name, branch = names.get(difference.subject, ("?", "?"))
        click.echo(f"case {difference.subject} ({name}, {branch}): {difference.field}: "
                   f"stored {difference.stored!r}, the log says {difference.logged!r}")
    click.echo(f"Cases replayed: {count}")
    click.echo(f"Differences between the cases' tables and their logs: {len(found)}")
    return len(found)


def _history_check(noun, plural, differences, names_of):
    """A check of every account or unit against its chain of changes."""
    def check(root):
        count, found = differences(root)
        names = names_of([d.subject for d in found])
        for difference in found:
            click.echo(f"{noun} {difference.subject} ({names.get(difference.subject, '?')}): {difference.field}: "
                       f"stored {difference.stored!r}, its history says {difference.logged!r}")
        click.echo(f"{plural.capitalize()} checked: {count}")
        click.echo(f"Differences between the {plural} and their histories: {len(found)}")
        return len(found)
    return check


_accounts = _history_check("account", "accounts", account_differences, usernames)
_units = _history_check("unit", "units", unit_differences, unit_codes)


def _reads(root):
    report = verify_reads(root)
    names = reader_names([b.user_id for b in report.breaks])
    with force_locale("en"):
        for broken in report.breaks:
            name, username = names.get(broken.user_id, ("?", "?"))
            read = f" ({broken.read})" if broken.read else ""
            click.echo(f"read log of {username} ({name}), row no. {broken.seq}{read}: {broken.kind}: {broken.detail}")
    click.echo(f"Readers checked: {report.users}")
    click.echo(f"Reads checked: {report.rows}")
    click.echo(f"Broken read chains: {len(report.breaks)}")
    return len(report.breaks)


def _notes(root):
    report = verify_notes(root)
    names = case_names([b.case_id for b in report.breaks])
    with force_locale("en"):
        for broken in report.breaks:
            name, branch = names.get(broken.case_id, ("?", "?"))
            click.echo(f"notes of case {broken.case_id} ({name}, {branch}), note no. {broken.seq}: "
                       f"{broken.kind}: {broken.detail}")
    click.echo(f"Notes checked: {report.notes}")
    click.echo(f"Broken note chains: {len(report.breaks)}")
    return len(report.breaks)


# Each check prints what it found and returns how many problems.
CHECKS = (_chains, _case_tables, _accounts, _units, _reads, _notes)


@audit.command("verify")
@click.option("--unit", "unit_code", default=None, help="code of the unit whose subtree is checked (default: all)")
@with_appcontext
def verify_command(unit_code):
    """Check the log key; walk every case's hash chain (the first edited, inserted or deleted row
    of each); compare every case's tables, every account and every unit with what the logs say;
    walk the read log's and the notes' chains."""
    root = _unit(unit_code)
    check_key()
    problems = sum(check(root) for check in CHECKS)
    if problems:
        raise SystemExit(1)


@audit.command("head")
@click.option("--unit", "unit_code", default=None, help="code of the unit (default: every top-level unit)")
@with_appcontext
def head_command(unit_code):
    """Print the chain head of a unit's cases, as its reports print it."""
    root = _unit(unit_code)
    roots = [root] if root else db.session.execute(select(Unit).where(Unit.parent_id.is_(None))
                                                   .order_by(Unit.code)).scalars().all()
    for unit in roots:
        head = unit_head(unit)
        click.echo(f"{unit.code} ({unit.name}): cases {head.cases}, acts {head.acts}, chain head {head.hash}")
