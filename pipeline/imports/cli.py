"""`flask --app wsgi import-candidates FILE --unit CODE --as USERNAME [--dry-run]`,
`flask --app wsgi import-cases FILE --as USERNAME [--dry-run]` (cases in flight, with their
history) and `flask --app wsgi export-cases FILE [--unit CODE]` (the format import-cases reads).
Messages are in the default language (the command line has no request to choose another)."""
import itertools
import os

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pipeline.accounts.models import User
from pipeline.cases.export import CASE_COLUMNS, case_rows
from pipeline.cases.models import Case
from pipeline.exports.csv_file import csv_chunks
from pipeline.exports.heading import heading_lines
from pipeline.exports.xlsx_file import xlsx_chunks
from pipeline.extensions import db
from pipeline.imports import history
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.stages import STAGE_NAMES, stage_label

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


# --- cases in flight ------------------------------------------------------------------------------

@click.command("import-cases")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="the committee member or administrator who imports")
@click.option("--dry-run", is_flag=True, help="Replay every row and report; write nothing.")
@with_appcontext
def import_cases(path, username, dry_run):
    """Import cases in flight from a CSV or XLSX file, one row per case with the date of every step
    reached (the format of the full export of cases): each row replayed through the workflow's
    acts and guards; all rows or none."""
    actor = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
    if not history.may_import(actor):
        raise click.ClickException(_("%(user)s is not an active committee or administrator account: only they "
                                     "import cases in flight.", user=username))
    if key_state() in (KEY_MISSING, KEY_WRONG):
        raise click.ClickException(_("The log key is missing or is not the one this database's log was written "
                                     "with: restore instance/log_key or set KETNAP_LOG_KEY. Nothing was written."))
    try:
        rows, problems, ignored = history.judge(actor, path)
    except SheetError as refusal:
        raise click.ClickException(str(refusal.args[0]))
    for header in ignored:
        click.echo(_("Column “%(column)s” is not read by the import.", column=header), err=True)
    if problems:
        _fail(problems)
    progress = CountProgress(_("Replaying cases"), _("cases replayed"), every=max(1, -(-len(rows) // PROGRESS_LINES)))
    try:
        outcome = history.replay_rows(actor, rows, history.file_sha256(path), write=not dry_run,
                                      progress=progress.update)
    finally:
        progress.close()
    if outcome.problems:
        _fail(outcome.problems)
    for stage, count in sorted(outcome.stages.items(), key=lambda item: STAGE_NAMES.index(item[0])):
        click.echo(f"  {stage_label(stage)}: {count}")
    if dry_run:
        click.echo(ngettext("%(num)d case replayed, no problems found; nothing was written (dry run).",
                            "%(num)d cases replayed, no problems found; nothing was written (dry run).", len(rows)))
    else:
        click.echo(ngettext("Imported %(num)d case.", "Imported %(num)d cases.", len(rows)))


@click.command("export-cases")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, writable=True))
@click.option("--unit", "unit_code", help="only the cases of this unit's subtree (all cases by default)")
@with_appcontext
def export_cases(path, unit_code):
    """Write every case, with every particular and the date of every step, to FILE (.xlsx or .csv):
    the format `import-cases` reads."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise click.ClickException(_("Name the file .xlsx or .csv."))
    statement = select(Case).join(Unit, Unit.id == Case.branch_id).options(joinedload(Case.branch))
    if unit_code:
        unit = db.session.execute(select(Unit).filter_by(code=unit_code)).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(_("No unit with code %(code)s.", code=unit_code))
        statement = statement.where(subtree_filter(unit))
    columns = tuple(CASE_COLUMNS)
    labels = [str(column.label) for column in columns]
    rows = case_rows(statement.order_by(Case.id))
    # The XLSX file's title rows, as the pages' exports have them: import-cases finds the header under them.
    heading = heading_lines(_("Candidates"), unit if unit_code else None)
    chunks = csv_chunks(labels, columns, rows) if extension == ".csv" else xlsx_chunks(labels, columns, rows,
                                                                                       _("Candidates"), heading)
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    count = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar()
    click.echo(ngettext("Wrote %(num)d case to %(path)s.", "Wrote %(num)d cases to %(path)s.", count, path=path))
