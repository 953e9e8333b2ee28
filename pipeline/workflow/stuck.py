"""When a case is stuck (issue: the board's dashboard): a rule deadline has passed (the rows of
pipeline.workflow.projection, computed in working days from the log), or the case has been in a
stage longer than the rulebook's expected time for it (`stage_expected_months`). Everything here
is SQL conditions on Candidate, so pages count stuck cases with aggregate queries."""
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import and_, exists, false, or_, select

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.deadlines import DEADLINE_RULE_BY_KEY
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.stages import stage_label

OVERDUE = "overdue"
TOO_LONG = "too_long"


@dataclass(frozen=True)
class StuckReason:
    kind: str  # OVERDUE or TOO_LONG
    label: object  # the rule, in the reader's language
    since: date  # the first day the case counts as stuck for this reason
    due: date | None = None  # the last day in time (a deadline)
    citation: str = ""


@dataclass(frozen=True)
class StuckCase:
    case_id: int
    full_name: str
    branch_id: int
    branch_name: str
    stage: str
    stage_entered_on: date
    reasons: tuple

    @property
    def since(self):
        return min(reason.since for reason in self.reasons)


def expected_months(today):
    """stage -> months a case is expected to stay there at most, by the rulebook in force today."""
    try:
        book = rulebook_on(today)
    except NoRulebook:  # a day before the first rulebook (a report of 2000): nothing was expected yet
        return {}
    return dict(book["stage_expected_months"]) if "stage_expected_months" in book.values else {}


def too_long_cutoffs(today):
    """stage -> the day a case must have entered the stage after, not to be in it too long:
    `N months` means the case is stuck from the day after `entered + N months`."""
    return {stage: today - relativedelta(months=months) for stage, months in expected_months(today).items()}


def overdue_condition(today):
    return exists(select(CaseDeadline.id).where(CaseDeadline.case_id == Case.id,
                                                 CaseDeadline.due_on < today))


def too_long_condition(today, stage_column=Case.stage, entered_on=Case.stage_entered_on):
    """SQL: in the stage longer than expected; on the case's columns, or on a subquery's."""
    conditions = [and_(stage_column == stage, entered_on < cutoff)
                  for stage, cutoff in too_long_cutoffs(today).items()]
    return or_(*conditions) if conditions else false()


def stuck_condition(today):
    return or_(overdue_condition(today), too_long_condition(today))


def deadline_label(key, limit_value):
    rule = DEADLINE_RULE_BY_KEY.get(key)
    return rule.label(limit_value) if rule else key


def too_long_reason(stage, entered_on, today, months=None):
    """The reason a case is in `stage` too long on `today`, or None."""
    months = months if months is not None else expected_months(today).get(stage)
    if months is None:
        return None
    limit = entered_on + relativedelta(months=months)
    if limit >= today:
        return None
    return StuckReason(TOO_LONG, _l("In “%(stage)s” for more than %(months)d months", stage=stage_label(stage),
                                    months=months),
                       limit + timedelta(days=1), limit, rulebook_on(today).citation("stage_expected_months"))


def reasons_for(cases, today):
    """case id -> the reasons each case is stuck, overdue deadlines first; one statement.
    `cases`: rows with .id (or .case_id), .stage and .stage_entered_on."""
    ids = [getattr(c, "case_id", None) or c.id for c in cases]
    found = {case_id: [] for case_id in ids}
    if ids:
        for row in db.session.execute(
                select(CaseDeadline).where(CaseDeadline.case_id.in_(ids), CaseDeadline.due_on < today)
                .order_by(CaseDeadline.case_id, CaseDeadline.due_on)).scalars():
            found[row.case_id].append(StuckReason(OVERDUE, deadline_label(row.key, row.limit_value),
                                                       row.due_on + timedelta(days=1), row.due_on, row.citation))
    months = expected_months(today)
    for case_id, case in zip(ids, cases):
        reason = too_long_reason(case.stage, case.stage_entered_on, today, months.get(case.stage))
        if reason:
            found[case_id].append(reason)
    return found


def stuck_cases(scope_unit, today, limit=None, where=()):
    """The stuck cases in the subtree of `scope_unit`, the longest in their stage first, each with its
    reasons: two statements whatever the number of cases. `where`: further conditions on
    Candidate or the branch Unit (e.g. a stage, a unit kind)."""
    statement = (select(Case.id.label("case_id"), Case.full_name, Case.branch_id,
                        Unit.name.label("branch_name"), Case.stage, Case.stage_entered_on)
                 .join(Unit, Case.branch_id == Unit.id)
                 .where(subtree_filter(scope_unit), stuck_condition(today), *where))
    return stuck_of(statement, today, limit)


def stuck_of(statement, today, limit=None):
    """The StuckCases of `statement` (case_id, full_name, branch_id, branch_name, stage,
    stage_entered_on), the longest in their stage first, with their reasons: two statements."""
    statement = statement.order_by(Case.stage_entered_on, Case.id)
    if limit:
        statement = statement.limit(limit)
    rows = db.session.execute(statement).all()
    reasons = reasons_for(rows, today)
    return [StuckCase(r.case_id, r.full_name, r.branch_id, r.branch_name, r.stage, r.stage_entered_on,
                      tuple(reasons[r.case_id])) for r in rows]
