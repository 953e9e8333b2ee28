"""The printable dossier checklist: one case as HTML or PDF, every open case of a branch as one
PDF. Scoped like the case page: a case or a branch outside the user's subtree is a 404.

The lines are those of `checklist_for` on the case's state replayed from its log, and the
deadlines its projection rows, filtered as the case page filters them: the printout, the page and
the guards cannot disagree."""
import re
from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pipeline.base import clock
from pipeline.audit.head import case_head, unit_head
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.base.text import fold
from pipeline.workflow.checklist import checklist_for, phases_for
from pipeline.exports.progress import track_download
from pipeline.extensions import db
from pipeline.jobs.operations import large_pdf_as_job
from pipeline.jobs.run import current_run
from pipeline.printing import pdf
from pipeline.printing.place import locality_of
from pipeline.readlog.models import BRANCH_PDF, PRINTOUT, PRINTOUT_PDF
from pipeline.readlog.reads import read_of, recorded
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.deadlines import stored_deadline
from pipeline.workflow.guards import age_in_months
from pipeline.workflow.log import load_log, logs_of
from pipeline.workflow.replay import replay
from pipeline.workflow.stages import TERMINAL_STAGES
from pipeline.web.scope import branch_or_404, case_or_404

bp = Blueprint("printing", __name__)

# Cases still on the road: not left by a side exit, not finished.
CLOSED_STAGES = (*TERMINAL_STAGES, "official")


@dataclass
class Sheet:
    """One case's page of the printout."""
    case: Case
    lines: list
    deadlines: list
    age_years: int
    head: object = None  # the log's chain head (pipeline.audit.head), printed to compare later


def sheet_for(case, log, today, calendar):
    """The case's checklist lines as the case page shows them (the phases of its stage, the
    items it needs or has) and its running deadlines."""
    phases = phases_for(case.stage)
    lines = [line for line in checklist_for(case, replay(log), today)
             if line.phase in phases and (line.required or line.received)]
    return Sheet(case, lines, [stored_deadline(row, today, calendar) for row in case.deadlines],
                 age_in_months(case.date_of_birth, today) // 12, case_head(log))


def _render(sheets, branch, today, branch_head=None):
    return render_template("printing/checklist.html", sheets=sheets, branch=branch, printed_on=today,
                           place=locality_of(branch), branch_head=branch_head)


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "case"


def _case_sheet(case_id):
    case = case_or_404(case_id)
    today = clock.today()
    return case, _render([sheet_for(case, load_log(case.id), today, WorkingCalendar.load())], case.branch, today)


@bp.get("/candidates/<int:case_id>/checklist")
@login_required
@read_of(PRINTOUT)
def case_checklist(case_id):
    return _case_sheet(case_id)[1]


@bp.get("/candidates/<int:case_id>/checklist.pdf")
@login_required
@read_of(PRINTOUT_PDF)
def case_checklist_pdf(case_id):
    case, html = _case_sheet(case_id)
    return pdf.pdf_response(html, f"checklist-{_slug(case.full_name)}.pdf")


def _open_in_branch(branch_id):
    """The cases the branch's PDF prints: those of the branch still open."""
    return (Case.branch_id == branch_id) & Case.stage.not_in(CLOSED_STAGES)


@bp.app_template_global()
def open_case_count(branch_id):
    """How many sheets the branch's PDF will have: the page linking to it says so while it is made."""
    return db.session.execute(select(func.count()).select_from(Case).where(_open_in_branch(branch_id))).scalar_one()


def open_cases_of(branch):
    """The branch's open cases by name, with what their sheets read loaded in a few queries."""
    return db.session.execute(
        select(Case).where(_open_in_branch(branch.id))
        .options(selectinload(Case.deadlines))
        .order_by(*by_name())
    ).scalars().all()


@bp.get("/branches/<int:unit_id>/checklists.pdf")
@login_required
def branch_checklists_pdf(unit_id):
    track_download()  # first: a 404 or a 503 also ends the wait of the page that asked
    branch = branch_or_404(unit_id)
    # Above EXPORT_JOB_PDF_SHEETS sheets the worker makes it (pipeline.jobs): the answer is the job's page.
    sheets = open_case_count(branch.id)
    job_page = large_pdf_as_job(sheets, "EXPORT_JOB_PDF_SHEETS", _("Dossier checklists: %(branch)s", branch=branch.name),
                                BRANCH_PDF, branch, sheets=sheets)
    if job_page is not None:
        return job_page
    today = clock.today()
    calendar = WorkingCalendar.load()
    cases = open_cases_of(branch)
    logs = logs_of([case.id for case in cases])
    sheets = [sheet_for(case, logs[case.id], today, calendar) for case in cases]
    html = _render(sheets, branch, today, unit_head(branch, from_snapshots=True))
    filename = f"checklists-{_slug(branch.name)}.pdf"
    response = pdf.pdf_response(html, filename)
    if (run := current_run()) is not None:  # the worker: the file is written, each download is the read
        run.write_response(response, filename)
    return recorded(response, BRANCH_PDF, unit=branch, rows=len(sheets))
