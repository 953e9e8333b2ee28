"""Voiding an act entered by mistake (a vote with a mistyped count, a document on the wrong case).

The voided entry is never changed: a "void_act" entry naming it (data: voids_seq, voids_event)
is chained after the others, with a reason, and the case's state is replayed without the voided
act (pipeline.workflow.replay), so the case is back where it would be had it never been recorded,
with its dates and deadlines. Who: the person who recorded the act, or a committee (or the board)
above the case's branch; when: within the rulebook's `void_within_days` of entering it. Refused,
with the reasons, when a later act built on it (void that one first) or could not stand without it."""
from dataclasses import dataclass, field
from datetime import date

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseChanged, NotPermitted
from pipeline.base.formatting import format_day
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.definition import ACT_BY_NAME, SPOT, VOID
from pipeline.workflow.operations import _new_entry, hold, lock_case, project
from pipeline.workflow.replay import BrokenLog, replay, replay_without, voided_seq

# Undone otherwise: a case is closed by an exit, a branch change by another transfer.
KEPT = {SPOT.name: _l("The spotting opens the case: close the case with an exit instead."),
        VOID.name: _l("A void cannot be voided."),
        "move_with_reorganisation": _l("A move with a reorganisation of units is undone by another reorganisation."),
        "transfer_branch": _l("A transfer is undone by transferring the candidate back.")}
# Who may void another person's act: a committee above the branch, or the board.
OVERSEEING = frozenset({"committee", "board"})


@dataclass
class VoidPlan:
    """What voiding act no. `seq` would do: the case's stage and its entry date afterwards, or
    the reasons it is refused."""
    target: object  # the log entry, or None
    reasons: list = field(default_factory=list)
    stage_after: str | None = None
    stage_entered_on: date | None = None


def voided_seqs(log):
    return {voided_seq(entry) for entry in log if entry.act == VOID.name}


def voids_by_seq(log):
    """seq of a voided act -> the void entry."""
    return {voided_seq(entry): entry for entry in log if entry.act == VOID.name}


def may_void(user, case, target):
    """The author of the act, or a committee or board member whose unit is above the branch."""
    if target.actor_id is not None and target.actor_id == user.id:
        return True
    return (user.role in OVERSEEING and user.unit_id != case.branch_id
            and case.branch.path.startswith(user.unit.path))


def void_period(today):
    """The rulebook's number of days within which an act may be voided, and its citation."""
    try:
        book = rulebook_on(today)
    except NoRulebook:
        return None, ""
    return book["void_within_days"], book.citation("void_within_days")


def offered(case, log, user, today=None):
    """The seqs of the acts the case page offers `user` to void: the checks that need no replay
    pass (the void page says the rest)."""
    if user.role not in VOID.roles:
        return set()
    return {entry.seq for entry in log if not plan_void(case, log, entry.seq, user, today, replayed=False).reasons}


def plan_void(case, log, seq, user, today=None, replayed=True):
    """Judge voiding act no. `seq` of the case's `log` by `user` today (`replayed`: with the
    replay without it, which says where the case would be)."""
    today = today or clock.today()
    target = next((entry for entry in log if entry.seq == seq), None)
    plan = VoidPlan(target)
    if target is None:
        plan.reasons.append(_l("Act no. %(seq)d is not in this case's log.", seq=seq))
        return plan
    if target.act in KEPT:
        plan.reasons.append(KEPT[target.act])
        return plan
    voided = voided_seqs(log)
    if seq in voided:
        plan.reasons.append(_l("Act no. %(seq)d has been voided already.", seq=seq))
        return plan
    if not may_void(user, case, target):
        plan.reasons.append(_l("Only the person who recorded the act, or a committee above the branch, may void it."))
    days, _citation = void_period(today)
    entered = target.recorded_at.date()
    if days is None or (today - entered).days > days:
        plan.reasons.append(_l("It was entered on %(day)s: an act may be voided within %(days)d days of being "
                               "entered. Record a correction instead.", day=format_day(entered), days=days or 0))
    later = [entry for entry in log if entry.seq > seq and entry.seq not in voided and entry.act != VOID.name]
    for entry in later:
        act = ACT_BY_NAME.get(entry.act)
        if act is not None and act.moves:
            plan.reasons.append(_l("“%(act)s” (no. %(seq)d, %(day)s) was recorded after it and builds on it: "
                                   "void that act first.", act=act.label, seq=entry.seq,
                                   day=format_day(entry.effective_date)))
    if plan.reasons or not replayed:
        return plan
    try:
        state = replay_without(log, voided | {seq})
    except BrokenLog:
        state = None
    if state is not None:
        for entry in later:  # acts that keep the stage: they must be possible where the case returns
            act = ACT_BY_NAME.get(entry.act)
            if act is not None and state.stage not in act.sources:
                state = None
                plan.reasons.append(_l("“%(act)s” (no. %(seq)d, %(day)s) could not stand without it.",
                                       act=act.label, seq=entry.seq, day=format_day(entry.effective_date)))
    if state is None:
        if not plan.reasons:
            plan.reasons.append(_l("The acts recorded after it could not stand without it."))
        return plan
    plan.stage_after, plan.stage_entered_on = state.stage, state.stage_entered_on
    return plan


def void_act(case_id, actor, seq, reason, expected_version=None):
    """Record the void in one transaction (scope, lock and version as for any act); the case's
    tables are rewritten from its log replayed without the act. Raises ActBlocked with the reasons."""
    with one_transaction(conflict=CaseChanged):
        case = lock_case(case_id, actor, expected_version)
        if actor.role not in VOID.roles:
            raise NotPermitted(_l("Your role cannot record this act."))
        held = hold(case, whole_log=True)
        today = clock.today()
        plan = plan_void(case, held.log, seq, actor, today)
        reason = (reason or "").strip()
        if not reason:
            plan.reasons.append(_l("A reason is required for this act."))
        if plan.reasons:
            raise ActBlocked(*plan.reasons)
        entry = _new_entry(case.id, held.log[-1], VOID, held.state.stage, actor, today, reason,
                           {"voids_seq": seq, "voids_event": plan.target.act})
        entry.to_stage = plan.stage_after
        entry.hash = entry.compute_hash()
        db.session.add(entry)
        held.log.append(entry)
        held.state = replay(held.log)
        project(case, held.state, WorkingCalendar.load())
    return entry
