"""The running deadlines of every case, kept as rows so that the dashboard, the reminders and
the reports can count overdue cases with SQL. Working days cannot be counted in SQL (holidays,
swapped days), so the due dates are computed here, from the log, whenever a case gets a new
log row (in the same transaction) or the working-day calendar changes. The rows are derived
data: `refresh_deadlines` can rebuild any of them from the log at any time."""
from collections import defaultdict

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, selectinload

from pipeline.base import clock
from pipeline.extensions import db
from pipeline.workflow.models import CaseDeadline

PENDING_KEY = "cases_with_new_acts"
REFRESH_BATCH = 500


def refresh_deadlines(case_ids, today=None, session=None):
    """Replace the deadline rows of these cases with what the log says today. Does not commit."""
    from pipeline.cases.models import Case
    from pipeline.dossier.checklist import checklist_for
    from pipeline.workdays.calendar import WorkingCalendar
    from pipeline.workflow.deadlines import CHECKLIST_STAGES, running_deadlines
    from pipeline.workflow.facts import CaseFacts
    from pipeline.workflow.models import LogEntry

    session = session or db.session
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return 0
    today = today or clock.today()
    calendar = WorkingCalendar.load(session=session)
    written = 0
    for start in range(0, len(case_ids), REFRESH_BATCH):
        batch = case_ids[start:start + REFRESH_BATCH]
        cases = session.execute(
            select(Case).where(Case.id.in_(batch))
            .options(selectinload(Case.branch), selectinload(Case.dossier_items))
        ).scalars().all()
        events = defaultdict(list)
        for row in session.execute(select(LogEntry).where(LogEntry.case_id.in_(batch))
                                      .order_by(LogEntry.case_id, LogEntry.seq)).scalars():
            events[row.case_id].append(row)
        session.execute(delete(CaseDeadline).where(CaseDeadline.case_id.in_(batch)))
        for case in cases:
            case_events = events[case.id]
            checklist = (checklist_for(case, case.dossier_items, today, case_events)
                         if case.stage in CHECKLIST_STAGES else None)
            for deadline in running_deadlines(case, CaseFacts.from_events(case_events), today, calendar, checklist):
                session.add(CaseDeadline(
                    case_id=case.id, key=deadline.key, stage=case.stage, starts_on=deadline.start,
                    due_on=deadline.due, limit_value=deadline.limit, limit_unit=deadline.unit,
                    citation=deadline.citation, confirmed=deadline.confirmed))
                written += 1
        session.flush()
    return written


def refresh_open_cases(today=None, session=None):
    """Rebuild the deadlines of every case still in the pipeline (after a calendar change, or
    when a migration creates the table)."""
    from pipeline.cases.models import Case
    from pipeline.workflow.stages import TERMINAL_STAGES

    session = session or db.session
    ids = session.execute(select(Case.id).where(Case.stage.not_in(TERMINAL_STAGES + ("official",)))
                          ).scalars().all()
    return refresh_deadlines(ids, today, session)


def refresh_working_day_deadlines():
    """A changed calendar moves the due dates counted in working days, and only those."""
    from pipeline.workflow.deadlines import WORKING_DAYS
    ids = db.session.execute(select(CaseDeadline.case_id).where(CaseDeadline.limit_unit == WORKING_DAYS)
                             .distinct()).scalars().all()
    return refresh_deadlines(ids)


# Every new log row marks its case; before the transaction commits, the marked cases' deadlines
# are rebuilt, so the rows can never lag behind the log whichever code path wrote it.

@event.listens_for(Session, "after_flush")
def _mark_cases_with_new_acts(session, flush_context):
    from pipeline.workflow.models import LogEntry
    marked = {obj.case_id for obj in session.new if isinstance(obj, LogEntry)}
    if marked:
        session.info.setdefault(PENDING_KEY, set()).update(marked)


@event.listens_for(Session, "before_commit")
def _refresh_marked_cases(session):
    if session.info.get("refreshing"):
        return
    session.flush()
    marked = session.info.pop(PENDING_KEY, None)
    if not marked:
        return
    session.info["refreshing"] = True
    try:
        refresh_deadlines(marked, session=session)
    finally:
        session.info.pop("refreshing", None)


@event.listens_for(Session, "after_rollback")
def _forget_marked_cases(session):
    session.info.pop(PENDING_KEY, None)
