"""A case's stage on a day, read from its log: the pool, the funnel and the time in stage of a
report are those of its end date, not of the day it is printed. Before today the stage is the
`to_stage` of the case's last entry dated on or before the day, and it was entered on the date of
the last entry dated then that changed the stage (as the replay sets `stage_entered_on`); on
today the case row's columns say the same without reading the log. A case whose log starts after
the day has no stage then (NULL): it did not exist yet. A case with no entry dated after the day
and no void stood then where it stands now: its row's columns say it, and its log is read only
for the others."""
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.log import VOID_ACT, not_voided
from pipeline.workflow.models import LogEntry


def stage_on(day):
    """(stage, entered_on): SQL expressions on Candidate for its stage on `day` and the day it
    entered it. Correlated subqueries on the log's (candidate_id, seq) index: aggregate them
    through a subquery, as the callers do."""
    if day >= clock.today():
        return Case.stage, Case.stage_entered_on
    last = aliased(LogEntry, name="last_entry")
    # A voided act and its void count nowhere: the case stood where the acts left standing put it.
    stage = (select(last.to_stage).where(last.case_id == Case.id, last.effective_date <= day,
                                         last.act != VOID_ACT, not_voided(last))
             .order_by(last.seq.desc()).limit(1).correlate_except(last).scalar_subquery())
    move = aliased(LogEntry, name="stage_move")
    entered = (select(func.max(move.effective_date))
               .where(move.case_id == Case.id, move.effective_date <= day, move.act != VOID_ACT, not_voided(move),
                      or_(move.from_stage.is_(None), move.from_stage != move.to_stage))
               .correlate_except(move).scalar_subquery())
    later, void = aliased(LogEntry, name="later_entry"), aliased(LogEntry, name="void_entry")
    # Either a look per case or one set of cases, by the (act, date, case) and void indexes: the
    # acts' names lead the first.
    changed = or_(exists().where(later.case_id == Case.id, later.act.in_(tuple(ACT_BY_NAME)),
                                 later.effective_date > day).correlate_except(later),
                  exists().where(void.case_id == Case.id, void.act == VOID_ACT).correlate_except(void))
    return case((changed, stage), else_=Case.stage), case((changed, entered), else_=Case.stage_entered_on)
