"""Applying acts to cases. One transaction per act: scope, lock, re-check the stage, guards,
the machine, the log row, commit; any error rolls everything back."""
from contextlib import contextmanager
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow import definition
from pipeline.workflow.facts import CaseFacts
from pipeline.workflow.guards import ActContext
from pipeline.workflow.models import GENESIS_HASH, LogEntry
from pipeline.workflow.stages import STAGE_BY_NAME

CASE_CHANGED = _l("This case has changed in the meantime (someone else acted on it). "
                  "Please reload the page and check before acting again.")


class ActError(Exception):
    """An act that was refused; `reasons` are sentences for the user."""

    def __init__(self, *reasons):
        super().__init__(*reasons)
        self.reasons = list(reasons)


class CaseNotFound(ActError):
    """Not there, or outside the user's scope: both look the same from outside (404)."""


class CaseChanged(ActError):
    def __init__(self):
        super().__init__(CASE_CHANGED)


class NotPermitted(ActError):
    pass


class ActBlocked(ActError):
    pass


# --- scope and permission ------------------------------------------------------------------

def scope_filter(user):
    """SQL condition on a Unit joined to the case: inside the user's subtree."""
    return subtree_filter(user.unit)


def case_in_scope(user, case):
    return case.branch.path.startswith(user.unit.path)


def role_may(user, transition, case):
    """Permission by role only (scope is checked separately)."""
    if user.role not in transition.roles:
        return False
    if transition.roles == definition.DECIDING and user.role == "committee":
        return user.unit.decides_admissions
    return True


def deciding_units_for(case):
    """Units that may issue a decision for this case: ancestors of its branch that decide admissions."""
    ancestor_ids = [int(part) for part in case.branch.path.strip("/").split("/")]
    return db.session.execute(
        select(Unit).where(Unit.id.in_(ancestor_ids), Unit.decides_admissions.is_(True)).order_by(Unit.depth)
    ).scalars().all()


def load_events(case_id):
    return db.session.execute(
        select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.seq)
    ).scalars().all()


def action_states(user, case, events, today=None):
    """For the case page: each act the user's role could do from this stage, with the reasons
    it is blocked today (an empty list when it can be done)."""
    today = today or clock.today()
    if not case_in_scope(user, case):
        return []
    ctx = ActContext(case, CaseFacts.from_events(events), today, today=today)
    return [(t, definition.blocking_reasons(t, ctx))
            for t in definition.transitions_from(case.stage) if role_may(user, t, case)]


# --- acts ---------------------------------------------------------------------------------

def _json_ready(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def _append_event(case, events, event, from_stage, actor, effective_date, reason, data, recorded_at=None):
    prev = events[-1] if events else None
    row = LogEntry(
        case_id=case.id, seq=(prev.seq + 1) if prev else 1, act=event,
        from_stage=from_stage, to_stage=case.stage, actor_id=actor.id if actor else None,
        recorded_at=recorded_at or datetime.utcnow(), effective_date=effective_date,
        reason=reason or "", data=data, prev_hash=prev.hash if prev else GENESIS_HASH,
    )
    row.hash = row.compute_hash()
    db.session.add(row)
    return row


def open_case(actor, branch, effective_date, fields, recorded_at=None, today=None):
    """Open a case (stage 1). `fields` are the candidate's particulars. Does not commit."""
    today = today or clock.today()
    if effective_date > today:
        raise ActBlocked(_l("The date %(day)s is in the future.", day=effective_date.strftime("%d/%m/%Y")))
    case = Case(branch=branch, stage=definition.INITIAL_STAGE, stage_entered_on=effective_date, **fields)
    db.session.add(case)
    db.session.flush()
    data = _json_ready({k: v for k, v in fields.items() if k != "full_name"} | {"full_name": case.full_name})
    _append_event(case, [], definition.SPOT_EVENT, None, actor, effective_date, "", data, recorded_at)
    return case


def perform(case, transition, actor, effective_date, data, reason="", events=None,
            recorded_at=None, today=None):
    """Judge and apply one act on a case already locked by the caller. Does not commit."""
    events = load_events(case.id) if events is None else events
    ctx = ActContext(case, CaseFacts.from_events(events), effective_date, data=dict(data),
                     today=today or clock.today())
    reasons = definition.blocking_reasons(transition, ctx)
    if transition.needs_reason and not (reason or "").strip():
        reasons.append(_l("A reason is required for this act."))
    if reasons:
        raise ActBlocked(*reasons)
    from_stage = case.stage
    if not definition.fire(case, transition, ctx):
        raise ActBlocked(_l("The act could not be applied."))
    if transition.trigger == "record_branch_vote" and case.stage == transition.fail_dest:
        case.failed_branch_votes += 1
    if case.stage != from_stage:
        case.stage_entered_on = effective_date
    case.last_recorded_at = datetime.utcnow()
    if STAGE_BY_NAME[case.stage].exit:
        # The case row says why it left; the log keeps the numbers and renders them per reader.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            outcome = str(ctx.outcome_reason) if ctx.outcome_reason is not None else ""
        case.exit_reason = "; ".join(filter(None, [outcome, reason])) or str(transition.label)
    else:
        case.exit_reason = None
    log_data = (_json_ready(dict(data)) | (ctx.vote or {}) | (transition.derived(ctx) if transition.derived else {})
                | {"rulebook": ctx.rulebook.code})
    if case.failed_branch_votes >= ctx.rulebook["failed_votes_before_referral"] and case.stage == "spotted":
        log_data["referred_to_higher_committee"] = True
    row = _append_event(case, events, transition.trigger, from_stage, actor, effective_date,
                        reason, log_data, recorded_at)
    if transition.records:
        transition.records(case, row, ctx)
    return row


def record_fact(case, fact, actor, effective_date, data, reason="", events=None, recorded_at=None,
                today=None):
    """Log a fact about a case already locked by the caller; the stage stays. Does not commit."""
    if case.stage not in fact.stages:
        raise CaseChanged()
    if effective_date > (today or clock.today()):
        raise ActBlocked(_l("The date %(day)s is in the future.", day=effective_date.strftime("%d/%m/%Y")))
    events = load_events(case.id) if events is None else events
    case.last_recorded_at = datetime.utcnow()  # an UPDATE, so the version moves too
    return _append_event(case, events, fact.event, case.stage, actor, effective_date, reason,
                         _json_ready(dict(data)), recorded_at)


def apply_fact(case_id, event, actor, effective_date, data, reason="", expected_version=None, then=None):
    """A user's fact about a case, in one transaction like apply_event. `then(case, row)` may
    write the fact's own table rows in the same transaction."""
    with one_transaction():
        case = lock_case(case_id, actor, expected_version)
        fact = definition.FACT_BY_EVENT.get(event)
        if fact is None:
            raise CaseNotFound(_l("No such act."))
        if actor.role not in fact.roles:
            raise NotPermitted(_l("Your role cannot record this act."))
        row = record_fact(case, fact, actor, effective_date, data, reason)
        if then is not None:
            then(case, row)
    return row


@contextmanager
def one_transaction():
    """Commit what the block wrote, or roll all of it back. A concurrent change that slipped past
    the checks (stale version, duplicate log position) reads as CaseChanged."""
    try:
        yield
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        raise CaseChanged()
    except Exception:
        db.session.rollback()
        raise


def lock_case(case_id, user, expected_version=None):
    """Load the case for writing: inside the user's scope, row-locked, fresh from the database,
    and still at the version the user saw (when given)."""
    case = db.session.execute(
        select(Case).join(Unit, Case.branch_id == Unit.id)
        .where(Case.id == case_id, scope_filter(user))
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(_l("No such case."))
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged()
    return case


def apply_event(case_id, trigger, actor, effective_date, data, reason="", expected_version=None):
    """The one entry point for a user's act on a case. Commits, or rolls back and raises ActError."""
    with one_transaction():
        case = lock_case(case_id, actor, expected_version)
        transition = definition.find_transition(trigger, case.stage)
        if transition is None:
            if trigger in definition.TRANSITION_BY_TRIGGER:
                raise CaseChanged()
            raise CaseNotFound(_l("No such act."))
        if not role_may(actor, transition, case):
            raise NotPermitted(_l("Your role cannot record this act."))
        if transition.needs_deciding_unit and "issuing_unit_id" in data:
            # Only a deciding unit above the branch, and one the user acts for.
            allowed = {u.id for u in deciding_units_for(case) if u.path.startswith(actor.unit.path)}
            if data["issuing_unit_id"] not in allowed:
                raise ActBlocked(_l("The issuing unit does not have the power to decide admissions for this branch."))
        row = perform(case, transition, actor, effective_date, data, reason)
    return row
