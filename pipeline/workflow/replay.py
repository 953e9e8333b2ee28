"""A case's state is a function of its log: `replay` folds its entries, oldest first, into a
CaseState (pipeline.workflow.state): the stage, the dates and counts the guards need, the dossier's
documents, the training enrolments and certificates, and the running deadlines.

Each entry is applied as the workflow table says (pipeline.workflow.definition): the `transitions`
Machine moves the stage (a vote's destination is chosen by its recorded result), then the act's
`records` and `effect` add what it recorded. Acting on a case applies its new entry the same way,
so what a user did and what the log replays to cannot differ."""
from contextlib import contextmanager

from transitions.core import MachineError

from pipeline.workflow.checklist import staleness_lines
from pipeline.workflow.deadlines import CHECKLIST_STAGES, running_deadlines
from pipeline.workflow.definition import ACT_BY_NAME, BOUND_NAMES, INITIAL_STAGE, MACHINE, SPOT, is_exit
from pipeline.workflow.state import CaseState


class BrokenLog(Exception):
    """The entries do not follow the process (an act where the case could not be, a stage the
    machine would not reach): the log was tampered with, or the table changed under it."""


@contextmanager
def bound(state):
    """The state bound to the one Machine while acting on it, and unbound afterwards whatever
    happens (a Machine that kept its models would grow with every case)."""
    MACHINE.add_model(state, initial=state.stage)
    try:
        yield state
    finally:
        MACHINE.remove_model(state)
        for name in BOUND_NAMES & set(vars(state)):
            delattr(state, name)


def opened(entry):
    """The state of a case after its first entry, the spotting."""
    state = CaseState(particulars=dict(entry.data or {}), stage=INITIAL_STAGE,
                      branch_id=(entry.data or {}).get("branch_id"))
    state.stage_entered_on = entry.effective_date
    _record(state, SPOT, entry)
    return state


def advance(state, entry):
    """Apply one entry after the first to a state bound to the Machine: the stage moves as the
    act leads (or stays), then the act adds what it recorded."""
    act = ACT_BY_NAME.get(entry.act)
    if act is None or act is SPOT:
        raise BrokenLog(f"entry {entry.seq}: {entry.act} cannot follow the first entry")
    before = state.stage
    try:
        getattr(state, act.name)(entry=entry)
    except MachineError as error:
        raise BrokenLog(f"entry {entry.seq}: {entry.act} is not possible from {before}") from error
    if act.moves:
        if state.stage != before:
            state.stage_entered_on = entry.effective_date
        state.exit_entry = entry if is_exit(state.stage) else None
    _record(state, act, entry)


def _record(state, act, entry):
    for name, value_of in act.records.items():
        setattr(state, name, value_of(entry))
    passed = (entry.data or {}).get("passed")
    if passed is True:
        for name, value_of in act.records_if_passed.items():
            setattr(state, name, value_of(entry))
    elif passed is False and act.counts_failed_vote:
        state.failed_branch_votes += 1
    if act.effect:
        act.effect(state, entry)
    if act.sets_order:
        state.last_effective_date = entry.effective_date
    if state.last_recorded_at is None or entry.recorded_at > state.last_recorded_at:
        state.last_recorded_at = entry.recorded_at
    state.entries = (*state.entries, entry)


def replay(entries, calendar=None, case=None):
    """The state of a case after `entries` (its log, oldest first). With the working-day
    `calendar` and the `case` row (the dossier checklist reads its particulars and its branch),
    the running deadlines too. Raises BrokenLog for entries the process cannot follow."""
    if not entries:
        raise BrokenLog("a case's log starts with its spotting")
    if entries[0].act != SPOT.name:
        raise BrokenLog(f"entry {entries[0].seq}: the log starts with {entries[0].act}")
    state = opened(entries[0])
    _check(state, entries[0])
    with bound(state):
        for entry in entries[1:]:
            before = state.stage
            if entry.from_stage != before:
                raise BrokenLog(f"entry {entry.seq} starts from {entry.from_stage}, the case was in {before}")
            advance(state, entry)
            _check(state, entry)
    if calendar is not None:
        with_deadlines(state, calendar, case)
    return state


def _check(state, entry):
    if entry.to_stage != state.stage:
        raise BrokenLog(f"entry {entry.seq} leaves the case in {entry.to_stage}, the process in {state.stage}")


def with_deadlines(state, calendar, case):
    """Set the state's running deadlines. They are counted as of the case's last act (whose
    rulebook says which documents go stale), so the same log always gives the same deadlines."""
    day = state.last_effective_date
    checklist = staleness_lines(case, state, day) if state.stage in CHECKLIST_STAGES else None
    state.deadlines = tuple(running_deadlines(state, day, calendar, checklist, day=day))
    return state
