"""`flask --app wsgi import-candidates FILE --unit CODE --as USERNAME [--dry-run]`. Messages are
in the default language (the command line has no request to choose another)."""
import itertools

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _, ngettext

from pipeline.base.progress import CountProgress
from pipeline.imports.columns import Layout, looks_like_header
from pipeline.imports.operations import ImportRefused, actor_and_branch, open_cases
from pipeline.imports.rows import Problem, judge_rows, missing_columns
from pipeline.imports.sheet import SheetError, read_sheet
from pipeline.base.errors import ActError
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state

PROGRESS_LINES = 10  # without a terminal: about this many "N/M rows" lines


@click.command("import-candidates")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_code", required=True, help="code of the branch the candidates belong to")
@click.option("--as", "username", required=True, help="the user who opens the cases (secretary or committee)")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@with_appcontext
def import_candidates(path, unit_code, username, dry_run):
    """Open a case for every row of a CSV or XLSX list of new candidates of one branch."""
    try:
        actor, branch = actor_and_branch(username, unit_code)
        sheet = read_sheet(path, looks_like_header)
    except (ImportRefused, SheetError) as refusal:
        raise click.ClickException(str(refusal.args[0]))
    if key_state() in (KEY_MISSING, KEY_WRONG):
        # Rows sealed without the log's key could never be verified: nothing is written.
        raise click.ClickException(_("The log key is missing or is not the one this database's log was written "
                                     "with: restore instance/log_key or set KETNAP_LOG_KEY. Nothing was written."))
    layout = Layout.of(sheet.headers)
    for header in layout.ignored:
        click.echo(_("Column “%(column)s” is not read by the import.", column=header), err=True)
    problems, good = missing_columns(layout), []
    if not sheet.rows:
        problems.append(Problem(None, None, _("The file has no rows under its header.")))
    if not problems:
        good, problems = judge_rows(sheet, layout, branch)
    if problems:
        _fail(problems)
    if dry_run:
        click.echo(ngettext("%(num)d row checked, no problems found; nothing was written (dry run).",
                            "%(num)d rows checked, no problems found; nothing was written (dry run).", len(good)))
        return
    try:
        opened = _write_with_progress(actor, branch, good)
    except ActError as blocked:  # the workflow refused a row the form accepted: nothing was written
        _fail([Problem(getattr(blocked, "row", None), None, reason) for reason in blocked.reasons])
    click.echo(ngettext("Opened %(num)d case in %(unit)s.", "Opened %(num)d cases in %(unit)s.", opened,
                        unit=branch.name))


def _write_with_progress(actor, branch, good):
    total = len(good)
    progress = CountProgress(_("Opening cases"), _("rows"), every=max(1, -(-total // PROGRESS_LINES)))
    done = itertools.count(1)
    try:
        return open_cases(actor, branch, good, progress=lambda row: progress.update(next(done), total))
    finally:
        progress.close()


def _fail(problems):
    for problem in problems:
        click.echo(_line(problem), err=True)
    click.echo(ngettext("%(num)d problem; nothing was written.", "%(num)d problems; nothing was written.",
                        len(problems)), err=True)
    click.get_current_context().exit(1)


def _line(problem):
    if problem.row is None:
        return str(problem.message)
    if problem.column is None:
        return _("Row %(row)d: %(message)s", row=problem.row, message=problem.message)
    return _("Row %(row)d, column “%(column)s”: %(message)s", row=problem.row, column=problem.column,
             message=problem.message)
