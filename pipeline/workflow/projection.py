"""The running deadlines of every case, kept as rows so that the dashboard, the reminders and
the reports can count overdue cases with SQL. Working days cannot be counted in SQL (holidays,
swapped days), so the due dates are computed here, from the log, whenever a case gets a new
log row (in the same transaction) or the working-day calendar changes. The rows are derived
data: `refresh_deadlines` can rebuild any of them from the log at any time."""
from collections import defaultdict
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text, delete, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from pipeline import clock
from pipeline.extensions import db

PENDING_KEY = "cases_with_new_acts"
REFRESH_BATCH = 500


class CaseDeadline(db.Model):
    __tablename__ = "case_deadline"
    __table_args__ = (Index("ix_case_deadline_due_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # a DeadlineRule key (pipeline.workflow.deadlines)
    stage: Mapped[str] = mapped_column(String(20))  # the case's stage when computed
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # the last day in time
    limit_value: Mapped[int]  # the rulebook's figure (working days or months)
    limit_unit: Mapped[str] = mapped_column(String(20))
    citation: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[bool] = mapped_column(default=True)


def refresh_deadlines(case_ids, today=None, session=None):
    """Replace the deadline rows of these cases with what the log says today. Does not commit."""
    from pipeline.candidates.models import Candidate
    from pipeline.dossier.checklist import checklist_for
    from pipeline.workdays.calendar import WorkingCalendar
    from pipeline.workflow.deadlines import CHECKLIST_STAGES, running_deadlines
    from pipeline.workflow.facts import CaseFacts
    from pipeline.workflow.log import CaseEvent

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
            select(Candidate).where(Candidate.id.in_(batch))
            .options(selectinload(Candidate.branch), selectinload(Candidate.dossier_items))
        ).scalars().all()
        events = defaultdict(list)
        for row in session.execute(select(CaseEvent).where(CaseEvent.candidate_id.in_(batch))
                                      .order_by(CaseEvent.candidate_id, CaseEvent.seq)).scalars():
            events[row.candidate_id].append(row)
        session.execute(delete(CaseDeadline).where(CaseDeadline.candidate_id.in_(batch)))
        for case in cases:
            case_events = events[case.id]
            checklist = (checklist_for(case, case.dossier_items, today, case_events)
                         if case.stage in CHECKLIST_STAGES else None)
            for deadline in running_deadlines(case, CaseFacts.from_events(case_events), today, calendar, checklist):
                session.add(CaseDeadline(
                    candidate_id=case.id, key=deadline.key, stage=case.stage, starts_on=deadline.start,
                    due_on=deadline.due, limit_value=deadline.limit, limit_unit=deadline.unit,
                    citation=deadline.citation, confirmed=deadline.confirmed))
                written += 1
        session.flush()
    return written


def refresh_open_cases(today=None, session=None):
    """Rebuild the deadlines of every case still in the pipeline (after a calendar change, or
    when a migration creates the table)."""
    from pipeline.candidates.models import Candidate
    from pipeline.workflow.stages import TERMINAL_STAGES

    session = session or db.session
    ids = session.execute(select(Candidate.id).where(Candidate.stage.not_in(TERMINAL_STAGES + ("official",)))
                          ).scalars().all()
    return refresh_deadlines(ids, today, session)


def refresh_working_day_deadlines():
    """A changed calendar moves the due dates counted in working days, and only those."""
    from pipeline.workflow.deadlines import WORKING_DAYS
    ids = db.session.execute(select(CaseDeadline.candidate_id).where(CaseDeadline.limit_unit == WORKING_DAYS)
                             .distinct()).scalars().all()
    return refresh_deadlines(ids)


# Every new log row marks its case; before the transaction commits, the marked cases' deadlines
# are rebuilt, so the rows can never lag behind the log whichever code path wrote it.

@event.listens_for(Session, "after_flush")
def _mark_cases_with_new_acts(session, flush_context):
    from pipeline.workflow.log import CaseEvent
    marked = {obj.candidate_id for obj in session.new if isinstance(obj, CaseEvent)}
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
