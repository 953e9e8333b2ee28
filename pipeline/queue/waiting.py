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
running deadlines and its latest vote within the stage (joined once, from the log's partial index
of the chain entries): a count is one statement, a page of rows with how many in all another,
whatever the number of cases. Whether an act is blocked, and why, needs the case's state: only
the rows shown are judged, their states read from their snapshots (or their logs replayed)."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import Index, String, and_, cast, exists, false, func, null, or_, select, true, union_all
from sqlalchemy.orm import aliased, contains_eager

from pipeline.accounts.models import ROLES
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.training.models import TrainingClass
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.definition import DECIDING, acts_from, judge
from pipeline.workflow.guards import ActContext
from pipeline.workflow.log import logs_of, not_voided
from pipeline.workflow.models import CaseDeadline, CaseSnapshot, LogEntry
from pipeline.workflow.operations import applies, role_may
from pipeline.workflow.replay import BrokenLog, replay
from pipeline.workflow.snapshot import readable, state_of
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
OTHER_STAGES = tuple(stage for stage in OPEN_STAGE_NAMES if stage not in CHAIN_STAGES)

# The case's latest entry of its stage's chain, joined once (an outer join: NULL when none). A
# correlated look-up per case, twice (act, vote), ran a range scan of the act-and-day index for
# every case of a chain stage (13,900 in probation at 34,500 cases: 300 ms per statement); a join
# lets the planner hash the chain entries, few (ix_case_event_chain, 0019), or look them up per
# case for a small scope.
chain_entry = aliased(LogEntry, name="chain_entry")
# Declared here, beside the look-up it serves (the migration, 0019, creates it): a partial index,
# only the chain entries; its condition names the acts as the statements do, so that the planner
# knows their entries are in it.
CHAIN_INDEX = Index("ix_case_event_chain", LogEntry.case_id, LogEntry.seq,
                    postgresql_where=LogEntry.act.in_(CHAIN_ACTS), sqlite_where=LogEntry.act.in_(CHAIN_ACTS))
later_entry = aliased(LogEntry, name="later_entry")


def _in_chain(entry):
    """SQL: `entry` is an entry of the case's stage chain since it entered the stage, not voided."""
    return and_(entry.case_id == Case.id, entry.act.in_(CHAIN_ACTS), entry.effective_date >= Case.stage_entered_on,
                not_voided(entry))


@cache
def _chain_join():
    """The join condition of `with_latest_in_chain`, the same for everyone: built once (building it
    took longer than running the statement for a small scope)."""
    later = exists().where(_in_chain(later_entry), later_entry.seq > chain_entry.seq)
    return and_(Case.stage.in_(CHAIN_STAGES), _in_chain(chain_entry), ~later)


def with_latest_in_chain(statement):
    """`statement` (over Case) joined with the case's latest chain entry as `chain_entry`: only for
    a case in a stage that has a chain, none when a later one counts."""
    return statement.outerjoin(chain_entry, _chain_join())


@cache
def _latest(chained):
    """(the act, whether it was a vote that failed) of the case's latest chain entry: the joined
    `chain_entry`'s for the cases of the stages with a chain, none for the others."""
    if not chained:
        return cast(null(), String), false()
    passed = chain_entry.data["passed"].as_boolean()
    return chain_entry.act, func.coalesce(passed, true()) == false()


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
    # The paths grouped by length: the branch's path begins with one of them when its first n
    # characters are one of those of length n, a look-up in a list per length (a dozen lengths)
    # rather than a LIKE per deciding unit (some 3,300 below the top of the country).
    by_length = defaultdict(list)
    for path in paths:
        by_length[len(path)].append(path)
    return or_(false(), *(func.substr(Unit.path, 1, length).in_(sorted(group))
                          for length, group in sorted(by_length.items())))


def act_waits_for(user, act, deciding_below):
    """SQL condition on a case (its branch joined as Unit) that `act` waits for `user`; None
    when it never does. `deciding_below()`: nearest_deciding_below(user), read when needed."""
    if not role_may(user, act, None):
        return None
    if act.roles is DECIDING:
        return ~deciding_below()
    return true() if user.role == first_role(act) else None


def waiting_condition(user, stages, latest, failed, deciding_below):
    """SQL: the next act of a case in one of `stages` waits for `user` (whatever its scope), or
    None; and whether it then always follows a chain entry (no first step of a chain waits)."""
    parts, after_an_entry = [], True
    for stage in stages:
        for index, acts in enumerate(steps_of(stage)):
            conditions = [c for c in (act_waits_for(user, act, deciding_below) for act in acts) if c is not None]
            if conditions:
                parts.append(and_(Case.stage == stage, _step_condition(stage, index, latest, failed), or_(*conditions)))
                after_an_entry &= index > 0 and bool(chain_of(stage))
    return (or_(*parts) if parts else None), after_an_entry


def not_yet_due(today):
    """SQL: a running deadline of the case counts from a day still to come."""
    return exists(select(CaseDeadline.id).where(CaseDeadline.case_id == Case.id, CaseDeadline.starts_on > today))


def _first_start(today):
    """SQL: the first day still to come a running deadline of the case counts from (NULL: none)."""
    return (select(func.min(CaseDeadline.starts_on))
            .where(CaseDeadline.case_id == Case.id, CaseDeadline.starts_on > today).correlate(Case).scalar_subquery())


def _waiting_parts(user, today, mine=True):
    """Selects of (id, since, latest_act, latest_failed) of the open cases of the user's scope
    waiting for the user (mine) or the others: one over the stages without a chain, one over those
    with one, joined with their latest chain entry. Apart, the first reads no log, and the second,
    when only later steps of a chain wait for the user (the board, a committee), is an inner join
    the planner may start from the chain entries, few, rather than from every case in probation."""
    below = []

    def deciding_below():  # read once, and only when a decision may wait for the user
        if not below:
            below.append(nearest_deciding_below(user))
        return below[0]

    parts = []
    for stages in (OTHER_STAGES, CHAIN_STAGES):
        chained = stages == CHAIN_STAGES
        if not stages:
            continue
        latest, failed = _latest(chained)
        statement = (select(Case.id.label("id"), Case.stage_entered_on.label("since"), latest.label("latest_act"),
                            failed.label("latest_failed"))
                     .join(Unit, Case.branch_id == Unit.id).where(subtree_filter(user.unit), Case.stage.in_(stages)))
        if chained:
            statement = with_latest_in_chain(statement)
        waiting, after_an_entry = waiting_condition(user, stages, latest, failed, deciding_below)
        if not mine:
            # Not (waiting and not yet due), with a look-up per case of the scope: NOT EXISTS under
            # an OR became a hash of every deadline of the country still to start.
            parts.append(statement if waiting is None else
                         statement.where(or_(~waiting, _first_start(today).is_not(None))))
        elif waiting is not None:
            if chained and after_an_entry:
                statement = statement.where(chain_entry.seq.is_not(None))  # makes the outer join inner
            parts.append(statement.where(waiting, ~not_yet_due(today)))
    return parts


def _found(parts):
    """The parts as one selectable."""
    if not parts:  # nothing waits for the user's role
        parts = [select(Case.id.label("id"), Case.stage_entered_on.label("since"),
                        cast(null(), String).label("latest_act"), false().label("latest_failed")).where(false())]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("found")


def count_waiting(user, today):
    """How many cases wait for the user: one statement (none for a role nothing waits for)."""
    parts = _waiting_parts(user, today)
    if not parts:
        return 0
    return db.session.execute(select(func.count()).select_from(_found(parts))).scalar_one()


def waiting_statement(user, today, mine=True, limit=None, offset=0):
    """The cases waiting for the user (mine) or, for the others, every other open case in scope;
    oldest in its stage first; `limit` of them from `offset`. Rows: Case (its branch loaded),
    latest_act, latest_failed, starts_on (the day a deadline still to come counts from), total
    (how many in all, whatever the limit). The cases are chosen and counted on their ids alone;
    only those of the page are read whole."""
    found = _found(_waiting_parts(user, today, mine))
    ranked = (select(found, func.count().over().label("total"))
              .order_by(found.c.since, found.c.id).limit(limit).offset(offset).subquery("ranked"))
    starts = _first_start(today).label("starts_on")
    return (select(Case, ranked.c.latest_act, ranked.c.latest_failed, starts, ranked.c.total)
            .join(ranked, Case.id == ranked.c.id).join(Case.branch).options(contains_eager(Case.branch))
            .order_by(ranked.c.since, ranked.c.id))


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
    and, when `judged`, why each act is blocked today (their states, `states_of`; the classes
    and the branches' parents the guards read, one statement each)."""
    rows = []
    for case, latest, failed, starts, _total in results:
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


def states_of(case_ids):
    """case id -> its state, as the acts read it (pipeline.workflow.operations.hold): from its
    snapshot, the snapshots in one statement; the cases without a readable one replayed from
    their logs, read in one statement more. A case whose log is broken is left out (the audit
    reports it; the act's own page refuses it)."""
    states = {snapshot.case_id: state_of(snapshot) for snapshot in db.session.execute(
        select(CaseSnapshot).where(CaseSnapshot.case_id.in_(case_ids))).scalars() if readable(snapshot)}
    missing = [case_id for case_id in case_ids if case_id not in states]
    logs = logs_of(missing) if missing else {}
    for case_id in missing:
        try:
            states[case_id] = replay(logs[case_id])
        except BrokenLog:
            continue
    return states


def _judge(rows, today):
    states = states_of([row.case.id for row in rows])
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
