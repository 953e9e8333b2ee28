"""Recording acts on cases. The path of every act, whichever page or command asks for it:

    record_act: one transaction → lock the case (inside the user's scope, at the version seen)
    → the act may be recorded in its stage by the user's role → replay the case's log into its
    state → perform: the act's guards judge it, each once → a new hash-chained log entry → the
    Machine applies the entry to the state → project: the case row, dossier items, enrolments
    and deadlines are rewritten from the state → commit, or roll all of it back.

Operations that act on several cases (bulk acts, the demo, an import) use `hold`, `perform` and
`project` inside their own transaction."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseChanged, CaseNotFound, NotPermitted
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, subtree_filter, subtree_of_parameter, subtree_prefix
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.definition import DECIDING, SPOT, act_named, acts_from, judge
from pipeline.workflow.guards import ActContext, in_the_future, referral_after_failed_votes
from pipeline.workflow.log import load_log
from pipeline.workflow.models import GENESIS_HASH, CaseSnapshot, LogEntry
from pipeline.workflow.projection import open_case_ids, project, rebuild, write_snapshot
from pipeline.workflow.replay import advance, bound, opened, replay
from pipeline.workflow.snapshot import readable, state_of

# --- scope and permission ------------------------------------------------------------------


def scope_filter(user):
    """SQL condition on a Unit joined to the case: inside the user's subtree."""
    return subtree_filter(user.unit)


def case_in_scope(user, case):
    return case.branch.path.startswith(user.unit.path)


def role_may(user, act, case):
    """Permission by role only (scope is checked separately)."""
    if user.role not in act.roles:
        return False
    # `is`: a transfer's roles (TRANSFERRING) are the same set, and any committee above may transfer.
    if act.roles is DECIDING and user.role == "committee":
        return user.unit.decides_admissions
    return True


def deciding_units_for(case):
    """Units that may issue a decision for this case: ancestors of its branch that decide admissions."""
    ancestor_ids = [int(part) for part in case.branch.path.strip("/").split("/")]
    return db.session.execute(
        select(Unit).where(Unit.id.in_(ancestor_ids), Unit.decides_admissions.is_(True)).order_by(Unit.depth)
    ).scalars().all()


@cache
def case_statement(with_state=False, for_update=False):
    """The case by its id inside a scope's subtree (named parameters `case_id` and `root_prefix`),
    with its branch, in one statement built once (an alias built anew for each request costs more
    CPU than running the statement). `with_state`: with the unit above its branch and its snapshot
    too, what its checklist, its deadlines and an act read. `for_update`: row-locked and fresh from
    the database (`lock_case`)."""
    statement = (select(Case).join(Case.branch)
                 .where(Case.id == bindparam("case_id"), subtree_of_parameter("root_prefix"))
                 .options(contains_eager(Case.branch)))
    if with_state:
        parent = aliased(Unit)
        statement = (statement.outerjoin(parent, Unit.parent_id == parent.id)
                     .outerjoin(CaseSnapshot, CaseSnapshot.case_id == Case.id)
                     .options(contains_eager(Case.branch).contains_eager(Unit.parent.of_type(parent)),
                              contains_eager(Case.snapshot)))
    if for_update:
        statement = statement.with_for_update(of=Case).execution_options(populate_existing=True)
    # By its key, run on every case page and act: prepared (pipeline.extensions.PREPARED).
    return statement.execution_options(prepared=True)


# session.info: (the open transaction, the (case id, scope root) pairs it holds the row locks of).
# Kept with the transaction, not cleared by a session listener (tests/test_layers.py): a later
# transaction is another object, and finds nothing locked.
_LOCKED = "cases_locked"


def _locked(session):
    held = session.info.get(_LOCKED)
    return held[1] if held is not None and held[0] is session.get_transaction() else ()


def lock_case(case_id, user, expected_version=None):
    """Load the case for writing: inside the user's scope, row-locked, fresh from the database,
    and still at the version the user saw (when given). A case the request has already locked in
    this transaction (a view that read it for its form with `for_update`) is not read again."""
    session = db.session()
    prefix = subtree_prefix(user.unit)
    case = session.get(Case, case_id) if (case_id, prefix) in _locked(session) else None
    if case is None:
        case = read_locked(case_id, prefix)
    if case is None:
        raise CaseNotFound(_l("No such case."))
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged()
    return case


def read_locked(case_id, prefix):
    """The case inside the scope whose `subtree_prefix` is `prefix`, row-locked and fresh, with its
    state (`case_statement`), or None; the open transaction remembers it holds the lock, so that
    `lock_case` does not read the case again."""
    session = db.session()
    case = session.execute(case_statement(True, True), {"case_id": case_id, "root_prefix": prefix}
                           ).scalar_one_or_none()
    if case is not None:
        _mark_locked(session, case_id, prefix)
    return case


def _mark_locked(session, case_id, prefix):
    transaction = session.get_transaction()
    held = session.info.get(_LOCKED)
    if held is None or held[0] is not transaction:
        held = session.info[_LOCKED] = (transaction, set())
    held[1].add((case_id, prefix))


# --- acting --------------------------------------------------------------------------------------

@dataclass
class LockedCase:
    """A case being acted on: its row (locked by the caller), its state, and its log when the
    state was replayed from it (None when read from the case's snapshot). `perform` adds entries
    to both; `project` writes the tables (and the snapshot) from the state."""
    case: Case
    log: list | None
    state: object


def hold(case, log=None, whole_log=False):
    """A locked case and its state: read from the case's snapshot (no log read), or replayed from
    its log when given, when `whole_log` is asked for (a correction, a void: guards that read
    earlier entries), or when the case has no readable snapshot yet."""
    if log is None and not whole_log and readable(case.snapshot):
        return LockedCase(case, None, state_of(case.snapshot))
    log = list(load_log(case.id) if log is None else log)
    return LockedCase(case, log, replay(log))


def current_state(case):
    """The case's state, read from its snapshot (one row) or, without one, replayed from its log."""
    return hold(case).state


def action_states(user, case, state, today=None):
    """For the case page: each act the user's role could record in the case's stage, with the
    reasons it is blocked today (an empty list when it can be done). `state`: the case's state,
    replayed from its log."""
    today = today or clock.today()
    if not case_in_scope(user, case):
        return []
    ctx = ActContext(case, state, today, today=today)
    return [(act, judge(act, ctx)) for act in acts_from(case.stage)
            if role_may(user, act, case) and applies(act, state)]


def applies(act, state):
    """Whether the act can apply to the case given its history (else it is not offered at all;
    an act that could apply once something is done is offered, blocked with its reasons)."""
    return act.applies is None or act.applies(state)


@dataclass(frozen=True)
class VoteResult:
    """A vote's result as the act's outcome check computes it, before it is recorded."""
    passed: bool
    votes_for: int
    total: int
    needed: int
    fail_dest: str  # where a failed vote leaves the case


def vote_result(case, act, effective_date, data):
    """What recording the vote act with `data` would decide, by the guards' own computation; None
    for an act that is no vote or a date no rulebook covers (recording refuses it then)."""
    if act.outcome is None:
        return None
    ctx = ActContext(case, current_state(case), effective_date, data=dict(data))
    try:
        passed = act.outcome(ctx)
    except NoRulebook:
        return None
    total = data[act.outcome.total_key]
    return VoteResult(passed, data["votes_for"], total, ctx.vote["votes_needed"], act.fail_dest)


def json_ready(value):
    """Act data as the log stores it (JSON has no dates)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    return value


def _new_entry(case_id, previous, act, from_stage, actor, effective_date, reason, data, recorded_at=None):
    if recorded_at is None:
        # Entered now, and after the entry before it: the case's last_recorded_at, hence its
        # version, moves with every act.
        recorded_at = datetime.utcnow()
        if previous is not None and recorded_at <= previous.recorded_at:
            recorded_at = previous.recorded_at + timedelta(microseconds=1)
    return LogEntry(
        case_id=case_id, seq=(previous.seq + 1) if previous else 1, act=act.name, from_stage=from_stage,
        actor_id=actor.id if actor else None, actor=actor, recorded_at=recorded_at,
        effective_date=effective_date, reason=reason or "", data=data,
        prev_hash=previous.hash if previous else GENESIS_HASH)


def entry_data(act, ctx, data):
    """The data an act's log entry stores, once its guards allowed it: what was submitted, the
    vote's count and result, what the act derives, the rulebook a move was judged by, a referral
    after failed votes (the generator writes its entries with it too)."""
    if act.outcome:
        act.outcome(ctx)
    log_data = json_ready(dict(data)) | (ctx.vote or {})
    for derive in act.derived:
        log_data |= derive(ctx)
    if act.moves:
        log_data |= {"rulebook": ctx.rulebook.code}
    if act.refers_after_failed_votes:
        log_data |= referral_after_failed_votes(ctx, act.name)
    return log_data


def perform(held, act, actor, effective_date, data, reason="", recorded_at=None, today=None, assume=None):
    """Judge one act on a held case and, if its guards allow it, append its entry to the log and
    apply it to the state. Does not project or commit. `assume(state)` states what the submission
    itself establishes before the act is judged (a class's results page gives the pass and the
    certificate at once)."""
    if held.state.stage not in act.sources:
        raise CaseChanged()
    state = held.state
    if assume is not None:
        state = state.copy()
        assume(state)
    ctx = ActContext(held.case, state, effective_date, data=dict(data), today=today or clock.today())
    reasons = judge(act, ctx)
    if act.needs_reason and not (reason or "").strip():
        reasons.append(_l("A reason is required for this act."))
    if reasons:
        raise ActBlocked(*reasons)
    log_data = entry_data(act, ctx, data)
    entry = _new_entry(held.case.id, held.state.head, act, held.state.stage, actor, effective_date, reason,
                       log_data, recorded_at)
    with bound(held.state):
        advance(held.state, entry)
    entry.to_stage = held.state.stage
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    if held.log is not None:
        held.log.append(entry)
    return entry


def open_case(actor, branch, effective_date, particulars, recorded_at=None, today=None, calendar=None,
              marks=None):
    """Open a case (stage 1) in `branch` with the candidate's particulars: its row and the first
    entry of its log, "spot" (its data with `marks` added: an import's). Does not commit; returns
    the LockedCase to act on further."""
    today = today or clock.today()
    if effective_date > today:
        raise ActBlocked(in_the_future(effective_date))
    case = Case(branch=branch, **particulars)
    # Every particular as stored (the name normalised) and the branch: `audit verify` compares
    # the case row with what its first entry says.
    data = json_ready({k: v for k, v in particulars.items() if k != "full_name"}
                       | {"full_name": case.full_name, "branch_id": branch.id} | (marks or {}))
    entry = _new_entry(None, None, SPOT, None, actor, effective_date, "", data, recorded_at)
    entry.to_stage = SPOT.dest
    state = opened(entry)
    for name in ("dossier_items", "enrolments", "deadlines"):
        set_committed_value(case, name, [])  # a new case has none: no query to find out
    set_committed_value(case, "snapshot", None)
    project(case, state, calendar or WorkingCalendar.load())
    db.session.add(case)
    db.session.flush()  # the entry's hash covers the case's id
    entry.case_id = case.id
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    write_snapshot(case, state)  # its head is the entry's hash, known only now
    return LockedCase(case, [entry], state)


def record_act(case_id, name, actor, effective_date, data, reason="", expected_version=None):
    """The one entry point for a user's act on one case: commits, or rolls back and raises an
    ActError (CaseNotFound, CaseChanged, NotPermitted, ActBlocked with the guards' reasons)."""
    # No autoflush: what the act writes goes out in one flush, at the commit, not in one more
    # before each read that follows the new entry (the calendar, the projection's rows).
    with one_transaction(conflict=CaseChanged, at_once=True), db.session.no_autoflush:
        case = lock_case(case_id, actor, expected_version)
        act = act_named(name)
        if act is None or act is SPOT:
            raise CaseNotFound(_l("No such act."))
        if case.stage not in act.sources:
            raise CaseChanged()
        if not role_may(actor, act, case):
            raise NotPermitted(_l("Your role cannot record this act."))
        if act.needs_deciding_unit and "issuing_unit_id" in data:
            # Only a deciding unit above the branch, and one the user acts for.
            allowed = {u.id for u in deciding_units_for(case) if u.path.startswith(actor.unit.path)}
            if data["issuing_unit_id"] not in allowed:
                raise ActBlocked(_l("The issuing unit does not have the power to decide admissions for this branch."))
        held = hold(case, whole_log=act.reads_log)
        before = held.state.copy()
        entry = perform(held, act, actor, effective_date, data, reason)
        project(case, held.state, WorkingCalendar.when_needed(), before=before)
    return entry


def rebuild_open_cases():
    """Rewrite the projections of every case still in the pipeline from its log (the command
    line's `deadlines refresh`, a database from before the deadline table). Returns how many
    deadline rows they hold."""
    with one_transaction():
        return rebuild(open_case_ids())
