"""The cases stuck on a past day, for a report with an earlier end date: the projection tables
(running deadlines, the case's stage) hold only today's state, so each case open on that day is
replayed from its log cut at the day (pipeline.workflow.replay), its deadlines counted as they
ran then, and judged by the rules of pipeline.workflow.stuck on that day. A fixed number of
statements (the cases, their logs, their rows for the dossier checklist, the calendar); the
replay itself runs in Python, once per case open on the day in the report's subtree."""
from datetime import timedelta
from itertools import takewhile

from sqlalchemy import select
from sqlalchemy.orm import noload, selectinload

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.quotas.stage_then import stage_on
from pipeline.units.history import cases_placed
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.deadlines import DEADLINE_RULES
from pipeline.workflow.models import LogEntry
from pipeline.workflow.replay import BrokenLog, replay
from pipeline.workflow.stages import TERMINAL_STAGES
from pipeline.workflow.stuck import (OVERDUE, StuckCase, StuckReason, deadline_label, expected_months,
                                     too_long_reason)

# The stages in which a deadline of the rules runs (pipeline.workflow.deadlines).
RULED_STAGES = frozenset(stage for rule in DEADLINE_RULES for stage in rule.stages)


def open_on(root, day):
    """The cases of the subtree (as it was on `day`) that were open on `day`: a subquery of
    (case_id, full_name, branch_id, branch_name)."""
    in_root, placed = cases_placed(day, root.path)
    stage, entered = stage_on(day)
    cases = (select(Case.id.label("case_id"), Case.full_name, placed.unit_id.label("branch_id"),
                    placed.name.label("branch_name"), stage.label("stage"), entered.label("entered_on"))
             .select_from(in_root).subquery("then"))
    return (select(cases.c.case_id, cases.c.full_name, cases.c.branch_id, cases.c.branch_name, cases.c.stage,
                   cases.c.entered_on)
            .where(cases.c.stage.is_not(None), cases.c.stage.not_in(TERMINAL_STAGES)).subquery("open_then"))


def _reasons(state, day, months):
    """Why the replayed case was stuck on `day`: its deadlines overdue then, its stage too long."""
    reasons = [StuckReason(OVERDUE, deadline_label(d.key, d.limit), d.due + timedelta(days=1), d.due, d.citation)
               for d in sorted(state.deadlines, key=lambda d: d.due) if d.due < day]
    too_long = too_long_reason(state.stage, state.stage_entered_on, day, months.get(state.stage))
    return reasons + [too_long] if too_long else reasons


def stuck_cases_on(root, day, limit=None):
    """(how many, the `limit` longest in their stage) StuckCases of the subtree on `day`."""
    cases = open_on(root, day)
    rows = db.session.execute(select(cases)).all()
    # Only a stage where a deadline runs needs the replay; in the others (the pool, the class) the
    # time in the stage alone makes a case stuck, and the log's stage on the day says it.
    ids = select(cases.c.case_id).where(cases.c.stage.in_(RULED_STAGES))
    entries = {}
    # Without their authors (a join per entry): who recorded a document does not make a case stuck.
    logs = (select(LogEntry).options(noload(LogEntry.actor)).where(LogEntry.case_id.in_(ids))
            .order_by(LogEntry.case_id, LogEntry.seq))
    for entry in db.session.execute(logs).scalars():
        entries.setdefault(entry.case_id, []).append(entry)
    # The checklist of a dossier reads the case's particulars and whether its branch sits under a
    # sub-committee.
    case_rows = {case.id: case for case in db.session.execute(
        select(Case).where(Case.id.in_(ids)).options(selectinload(Case.branch).selectinload(Unit.parent))).scalars()}
    calendar, months = WorkingCalendar.load(), expected_months(day)
    found = []
    for row in rows:
        if row.stage not in RULED_STAGES:
            too_long = too_long_reason(row.stage, row.entered_on, day, months.get(row.stage))
            if too_long:
                found.append(StuckCase(row.case_id, row.full_name, row.branch_id, row.branch_name, row.stage,
                                       row.entered_on, (too_long,)))
            continue
        then = list(takewhile(lambda entry: entry.effective_date <= day, entries.get(row.case_id, ())))
        try:
            state = replay(then, calendar, case_rows[row.case_id])
        except BrokenLog:
            continue  # audit verify reports a broken log; a report cannot judge it
        reasons = _reasons(state, day, months)
        if reasons:
            found.append(StuckCase(row.case_id, row.full_name, row.branch_id, row.branch_name, state.stage,
                                   state.stage_entered_on, tuple(reasons)))
    found.sort(key=lambda case: (case.stage_entered_on, case.case_id))
    return len(found), found[:limit] if limit else found
