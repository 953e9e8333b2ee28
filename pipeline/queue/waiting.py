"""What waits for whom, derived from the workflow's own tables (pipeline.workflow.definition):

- the road from a stage is its acts that move a case on (not the exits, nor the extension of a
  limit: the acts in the road's own style, as the branch board shows them);
- acts that keep the stage (the votes on recognition) follow one another in the table's order: the
  next one is the one after the latest recorded, unless that one failed (then it is due again);
  the acts that leave the stage come last, as alternatives (enrolment or reopening the dossier);
- an act waits for the first role of ROLES (from the branch upwards) its row names, except the
  decisions (role_may's own exception): they wait for the nearest unit above the branch with the
  power to decide, whether its committee or the board serves it;
- a case whose running deadline counts from a day still to come (the recognition vote, from the
  end of probation) is not waiting yet.

Which case waits for whom is SQL over the case row (stage, stage entry date), its branch, the
running deadlines and its latest vote within the stage: a count is one statement, a page of rows
a few, whatever the number of cases. Whether an act is blocked, and why, needs the case's state:
only the rows shown are replayed, their logs read in one statement."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, false, func, null, or_, select, true
from sqlalchemy.orm import contains_eager

from pipeline.accounts.models import ROLES
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.training.models import TrainingClass
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.definition import DECIDING, acts_from, judge
from pipeline.workflow.guards import ActContext
from pipeline.workflow.log import logs_of, not_voided
from pipeline.workflow.models import CaseDeadline, LogEntry
from pipeline.workflow.operations import applies, role_may
from pipeline.workflow.replay import BrokenLog, replay
from pipeline.workflow.stages import STAGES, TERMINAL_STAGES
from pipeline.workflow.stuck import OVERDUE, reasons_for

ROLE_ORDER = tuple(ROLES)  # from the branch upwards: secretary, committee, board, admin
OPEN_STAGE_NAMES = tuple(s.name for s in STAGES if s.step is not None and s.name != "official")


def road_acts(stage):
    """The acts that move a case on from `stage`, in the table's order."""
    return [act for act in acts_from(stage) if act.dest not in TERMINAL_STAGES and act.style == "primary"]


def steps_of(stage):
    """The steps of a stage, each a tuple of acts any of which is the next one: the acts that
    keep the stage one by one, then the acts that leave it together."""
    acts = road_acts(stage)
    leaving = tuple(act for act in acts if act.dest != stage)
    return [(act,) for act in acts if act.dest == stage] + ([leaving] if leaving else [])


def chain_of(stage):
    """The names of the acts that keep `stage`, in order."""
    return [act.name for act in road_acts(stage) if act.dest == stage]


CHAIN_ACTS = tuple(name for stage in OPEN_STAGE_NAMES for name in chain_of(stage))


def step_index(stage, latest, failed):
    """The step a case in `stage` is at, given the latest act of the stage's chain recorded
    since it entered the stage (None: none yet) and whether that act was a vote that failed."""
    chain = chain_of(stage)
    if latest not in chain:
        return 0
    position = chain.index(latest)
    return position if failed else position + 1


def first_role(act):
    return next(role for role in ROLE_ORDER if role in act.roles)


# --- SQL ---------------------------------------------------------------------------------------

CHAIN_STAGES = tuple(stage for stage in OPEN_STAGE_NAMES if chain_of(stage))


def _latest_in_chain(column):
    """`column` of the case's latest entry of its stage's chain since it entered the stage (a
    voided entry does not count), as a correlated scalar subquery; read only for a case in a
    stage that has a chain (CASE is evaluated lazily: the other cases' logs are not read)."""
    latest = (select(column)
              .where(LogEntry.case_id == Case.id, LogEntry.act.in_(CHAIN_ACTS),
                     LogEntry.effective_date >= Case.stage_entered_on, not_voided())
              .order_by(LogEntry.seq.desc()).limit(1).correlate(Case).scalar_subquery())
    return case((Case.stage.in_(CHAIN_STAGES), latest), else_=null())


def latest_columns():
    """(the act, whether it was a vote that failed) of the case's latest chain entry."""
    passed = _latest_in_chain(LogEntry.data["passed"].as_boolean())
    return (_latest_in_chain(LogEntry.act).label("latest_act"),
            (func.coalesce(passed, true()) == false()).label("latest_failed"))


def _step_condition(stage, index, latest, failed):
    chain = chain_of(stage)
    if not chain:
        return true()
    named = func.coalesce(latest, "")  # never NULL: the others are this condition negated
    conditions = []
    if index == 0:
        conditions.append(latest.is_(None))
    else:
        conditions.append(and_(named == chain[index - 1], ~failed))
    if index < len(chain):
        conditions.append(and_(named == chain[index], failed))
    return or_(*conditions)


def nearest_deciding_below(user):
    """SQL: a unit with the power to decide lies between the user's unit and the case's branch.
    The deciding units below the user are few: read once, then a constant prefix test per case
    (a correlated test against every unit misjudges its rows at a national scale)."""
    paths = db.session.execute(select(Unit.path).where(
        Unit.decides_admissions.is_(True), Unit.path.startswith(user.unit.path, autoescape=True),
        Unit.id != user.unit.id)).scalars().all()
    return or_(false(), *(Unit.path.startswith(path, autoescape=True) for path in paths))


def act_waits_for(user, act):
    """SQL condition on a case (its branch joined as Unit) that `act` waits for `user`; None
    when it never does."""
    if not role_may(user, act, None):
        return None
    if act.roles is DECIDING:
        return ~nearest_deciding_below(user)
    return true() if user.role == first_role(act) else None


def waiting_condition(user, latest, failed):
    """SQL: the case's next act waits for `user` (whatever its scope)."""
    parts = []
    for stage in OPEN_STAGE_NAMES:
        for index, acts in enumerate(steps_of(stage)):
            conditions = [c for c in (act_waits_for(user, act) for act in acts) if c is not None]
            if conditions:
                parts.append(and_(Case.stage == stage, _step_condition(stage, index, latest, failed), or_(*conditions)))
    return or_(*parts) if parts else None


def not_yet_due(today):
    """SQL: a running deadline of the case counts from a day still to come."""
    return exists(select(CaseDeadline.id).where(CaseDeadline.case_id == Case.id, CaseDeadline.starts_on > today))


def _scoped(statement, user):
    return (statement.join(Unit, Case.branch_id == Unit.id)
            .where(subtree_filter(user.unit), Case.stage.in_(OPEN_STAGE_NAMES)))


def mine_condition(user, today):
    latest, failed = latest_columns()
    waiting = waiting_condition(user, latest.element, failed.element)
    return None if waiting is None else and_(waiting, ~not_yet_due(today))


def count_waiting(user, today):
    """How many cases wait for the user: one statement (none for a role nothing waits for)."""
    condition = mine_condition(user, today)
    if condition is None:
        return 0
    return db.session.execute(_scoped(select(func.count(Case.id)), user).where(condition)).scalar_one()


def waiting_statement(user, today, mine=True):
    """The cases waiting for the user (mine) or, for the others, every other open case in scope;
    oldest in its stage first. Rows: Case (its branch loaded), latest_act, latest_failed, starts_on
    (the day a deadline still to come counts from)."""
    latest, failed = latest_columns()
    starts = (select(func.min(CaseDeadline.starts_on)).where(CaseDeadline.case_id == Case.id,
                                                              CaseDeadline.starts_on > today)
              .correlate(Case).scalar_subquery().label("starts_on"))
    condition = mine_condition(user, today)
    if condition is None:
        condition = false()
    statement = _scoped(select(Case, latest, failed, starts), user).options(contains_eager(Case.branch))
    statement = statement.where(condition if mine else ~condition)
    return statement.order_by(Case.stage_entered_on, Case.id)


# --- the rows ----------------------------------------------------------------------------------

@dataclass
class QueueRow:
    case: Case
    act: object  # the next act (the first of the alternatives that applies)
    mine: bool
    waits_for: str  # a role (ROLES) or "deciding": who records the act
    alternatives: tuple = ()  # the acts any of which is the next one
    starts_on: date | None = None  # a running deadline counts from this day still to come
    blocked: list = field(default_factory=list)  # the guards' reasons, for the rows judged
    overdue: list = field(default_factory=list)  # StuckReasons of kind OVERDUE
    too_long: list = field(default_factory=list)

    @property
    def waiting_since(self):
        return self.case.stage_entered_on


def rows_of(results, today, mine=True, judged=True):
    """QueueRows for the rows of `waiting_statement`, with their overdue deadlines (one statement)
    and, when `judged`, why each act is blocked today (the logs read in one statement and
    replayed; the classes and the branches' parents the guards read, one statement each)."""
    rows = []
    for case, latest, failed, starts in results:
        acts = steps_of(case.stage)[step_index(case.stage, latest, bool(failed))]
        act = acts[0]
        waits = "deciding" if act.roles is DECIDING else first_role(act)
        rows.append(QueueRow(case, act, mine, waits, acts, starts))
    cases = [row.case for row in rows]
    reasons = reasons_for(cases, today) if cases else {}
    for row in rows:
        found = reasons.get(row.case.id, [])
        row.overdue = [r for r in found if r.kind == OVERDUE]
        row.too_long = [r for r in found if r.kind != OVERDUE]
    if judged and rows:
        _judge(rows, today)
    return rows


def _judge(rows, today):
    logs = logs_of([row.case.id for row in rows])
    states = {}
    for row in rows:
        try:
            states[row.case.id] = replay(logs[row.case.id])
        except BrokenLog:
            continue  # the audit reports it; the act's own page refuses it
    # What the guards read through the session, loaded at once: held here while they judge, the
    # session's identity map finds them (it keeps only the rows something refers to).
    class_ids = {s.current_enrolment.class_id for s in states.values() if s.current_enrolment}
    parent_ids = {row.case.branch.parent_id for row in rows if row.case.branch.parent_id}
    held = [db.session.execute(select(model).where(model.id.in_(ids))).scalars().all()
            for model, ids in ((TrainingClass, class_ids), (Unit, parent_ids)) if ids]
    for row in rows:
        state = states.get(row.case.id)
        if state is None:
            continue
        ctx = ActContext(row.case, state, today, today=today)
        judged = [(act, judge(act, ctx)) for act in row.alternatives if applies(act, state)]
        if not judged:
            continue
        row.act, row.blocked = next(((act, reasons) for act, reasons in judged if not reasons), judged[0])
    del held  # needed until here
