"""A case's state is a function of its log: `replay` folds its entries, oldest first, into a
CaseState (pipeline.workflow.state): the stage, the dates and counts the guards need, the dossier's
documents, the training enrolments and certificates, and the running deadlines.

Each entry is applied as the workflow table says (pipeline.workflow.definition): the `transitions`
Machine moves the stage (a vote's destination is chosen by its recorded result), then the act's
`records` and `effect` add what it recorded. Acting on a case applies its new entry the same way,
so what a user did and what the log replays to cannot differ."""
from contextlib import contextmanager

from transitions.core import MachineError

from pipeline.workflow.checklist import acts_as_documents, staleness_lines
from pipeline.workflow.deadlines import CHECKLIST_STAGES, running_deadlines
from pipeline.workflow.definition import ACT_BY_NAME, BOUND_NAMES, INITIAL_STAGE, MACHINE, SPOT, VOID, is_exit
from pipeline.workflow.state import CaseState, EntryFacts

POOL = "spotted"  # a return here starts the road again: what came before no longer counts
# Acts from before the dossier stage: their documents survive a return to nurturing (the
# certificate stays valid for its own period, which its own guard checks).
ACTS_BEFORE_THE_DOSSIER = frozenset({"complete_training"})


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
    if act is None or act is SPOT or act is VOID:
        raise BrokenLog(f"entry {entry.seq}: {entry.act} cannot follow the first entry")
    before = state.stage
    try:
        getattr(state, act.name)(entry=entry)
    except MachineError as error:
        raise BrokenLog(f"entry {entry.seq}: {entry.act} is not possible from {before}") from error
    if act.moves:
        if state.stage != before:
            state.stage_entered_on = entry.effective_date
        state.exit_entry = EntryFacts.of(entry) if is_exit(state.stage) else None
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
    _remember(state, act, entry, passed)
    state.head = entry
    if state.entries is not None:
        state.entries = (*state.entries, entry)


def _remember(state, act, entry, passed):
    """Keep what later guards and the checklist read of the entry, so that a state read from its
    snapshot needs no log: the latest entry of each act that is a document of the checklist, the
    failed votes counted."""
    state.last_entry_date = entry.effective_date
    counts = True
    if entry.from_stage is not None and state.stage == POOL:
        state.acts_on_record = {name: kept for name, kept in state.acts_on_record.items()
                                if name in ACTS_BEFORE_THE_DOSSIER}
        counts = act.name in ACTS_BEFORE_THE_DOSSIER
    if counts and passed is not False and act.name in acts_as_documents():
        state.acts_on_record = {**state.acts_on_record, act.name: EntryFacts.of(entry)}
    if passed is False:
        state.failed_votes = {**state.failed_votes, act.name: state.failed_votes.get(act.name, 0) + 1}


def replay(entries, calendar=None, case=None):
    """The state of a case after `entries` (its log, oldest first). With the working-day
    `calendar` and the `case` row (the dossier checklist reads its particulars and its branch),
    the running deadlines too. Raises BrokenLog for entries the process cannot follow."""
    if not entries:
        raise BrokenLog("a case's log starts with its spotting")
    if entries[0].act != SPOT.name:
        raise BrokenLog(f"entry {entries[0].seq}: the log starts with {entries[0].act}")
    state = _fold(entries)
    if calendar is not None:
        with_deadlines(state, calendar, case)
    return state


def voided_seq(entry):
    """The seq of the act a void entry voids."""
    return (entry.data or {}).get("voids_seq")


def _fold(entries, voided=frozenset()):
    """Apply the entries in order, leaving out the `voided` ones. At a void entry the state is
    folded again from the start without the acts voided so far: the case is where it would be had
    they never been recorded. Entries written after a voided act were written while it stood:
    their stored stages are not compared (the hash chain vouches for them), but the Machine must
    still accept each of them where the case now is."""
    state = opened(entries[0])
    _check(state, entries[0])
    first_voided = min(voided, default=None)
    index = 1
    while index < len(entries):
        with bound(state):
            while index < len(entries) and entries[index].act != VOID.name:
                entry = entries[index]
                index += 1
                if entry.seq in voided:
                    continue
                as_written = first_voided is None or entry.seq < first_voided
                if as_written and entry.from_stage != state.stage:
                    raise BrokenLog(f"entry {entry.seq} starts from {entry.from_stage}, the case was in {state.stage}")
                advance(state, entry)
                if as_written:
                    _check(state, entry)
        if index == len(entries):
            break
        void = entries[index]
        index += 1
        if voided:  # folding again for a later void: every void so far is in `voided` already
            continue
        if void.from_stage != state.stage:
            raise BrokenLog(f"entry {void.seq} starts from {void.from_stage}, the case was in {state.stage}")
        state = _without_voided(entries[:index - 1], void)
        _record(state, VOID, void)
        _check(state, void)
    return state


def _without_voided(before, void):
    """The state after the entries `before` a void, without the acts it and the earlier voids name."""
    voided = {voided_seq(e) for e in before if e.act == VOID.name} | {voided_seq(void)}
    named = {e.seq: e for e in before}
    for seq in voided:
        if seq not in named or seq == 1 or named[seq].act == VOID.name:
            raise BrokenLog(f"entry {void.seq} voids {seq}, which no act before it can be")
    return _fold(before, frozenset(voided))


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


def replay_without(entries, seqs):
    """The state the log would replay to had the acts numbered `seqs` never been recorded (what
    voiding them would leave)."""
    return _fold(entries, frozenset(seqs))


def standing(entries):
    """The entries that still stand: the log without the voided acts and the voids (what an
    export of the case's history carries)."""
    voided = {voided_seq(e) for e in entries if e.act == VOID.name}
    return [e for e in entries if e.seq not in voided and e.act != VOID.name]
