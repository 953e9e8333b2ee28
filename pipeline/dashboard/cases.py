"""The cases behind one number of the matrix: the same conditions, as a list. Each case comes
with why it is stuck and since when (pipeline.workflow.stuck.reasons_for, one statement per
page or per export chunk)."""
from itertools import islice

from flask_babel import gettext as _
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.cases.models import Case
from pipeline.dashboard.filters import OPEN_STAGE_NAMES
from pipeline.exports import Column, stream_scalars
from pipeline.units.models import subtree_filter
from pipeline.base.formatting import format_day
from pipeline.workflow.stages import stage_label
from pipeline.workflow.stuck import OVERDUE, overdue_condition, reasons_for, stuck_condition

WHICH = ("all", "stuck", "overdue")
EXPORT_CHUNK = 500  # cases whose reasons are read together while an export streams


def which_condition(which, today):
    """The matrix's three numbers: every case, the stuck ones, the overdue ones."""
    if which == "stuck":
        return stuck_condition(today)
    if which == "overdue":
        return overdue_condition(today)
    return None


def case_statement(unit, stage, which, filters, today):
    """The cases of one cell (or row, or column) of the matrix, the longest in their stage first,
    with their branch loaded by the same query."""
    conditions = [subtree_filter(unit), Case.stage == stage if stage else Case.stage.in_(OPEN_STAGE_NAMES),
                  *filters.conditions()]
    extra = which_condition(which, today)
    if extra is not None:
        conditions.append(extra)
    return (select(Case).join(Case.branch).where(*conditions)
            .options(contains_eager(Case.branch))
            .order_by(Case.stage_entered_on, Case.id))


def reason_text(reason):
    """One reason on one line, for a spreadsheet cell."""
    if reason.kind == OVERDUE:
        return _("%(reason)s (due %(due)s, stuck since %(since)s)", reason=reason.label,
                 due=format_day(reason.due), since=format_day(reason.since))
    return _("%(reason)s (stuck since %(since)s)", reason=reason.label, since=format_day(reason.since))


CASE_COLUMNS = (
    Column(_l("Full name")),
    Column(_l("Branch")),
    Column(_l("Stage")),
    Column(_l("In the stage since"), "date"),
    Column(_l("Days in the stage"), "int"),
    Column(_l("Stuck since"), "date"),
    Column(_l("Why it is stuck")),
)


def case_rows(statement, today):
    """The export's rows, read a chunk at a time; the reasons of each chunk in one statement."""
    cases = stream_scalars(statement, EXPORT_CHUNK)
    while chunk := list(islice(cases, EXPORT_CHUNK)):
        reasons = reasons_for(chunk, today)
        for case in chunk:
            found = reasons[case.id]
            yield (case.full_name, case.branch.name, str(stage_label(case.stage)), case.stage_entered_on,
                   (today - case.stage_entered_on).days, min((r.since for r in found), default=None),
                   "\n".join(reason_text(r) for r in found))

