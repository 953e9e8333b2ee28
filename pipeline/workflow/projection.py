"""The tables that answer questions about many cases at once (the case row's stage and dates, the
dossier items, the class enrolments, the running deadlines) are projections of the log: written
from a case's replayed state, by the operation that acts on the case, inside its transaction, and
by nothing else. `differences` compares what is stored with a fresh replay of the log."""
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import bindparam, inspect, or_, select
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from pipeline.cases.models import Case
from pipeline.dossier.models import DossierItem
from pipeline.extensions import db
from pipeline.training.models import Enrolment
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.deadlines import WORKING_DAYS
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.guards import shortfall_of
from pipeline.workflow.log import logs_of
from pipeline.workflow.models import CaseDeadline, CaseSnapshot
from pipeline.workflow.replay import BrokenLog, replay, with_deadlines
from pipeline.workflow.snapshot import FORMAT, encode, readable
from pipeline.workflow.stages import TERMINAL_STAGES

REBUILD_BATCH = 500  # cases replayed at a time when many are rebuilt
CASE_COLUMNS = ("stage", "stage_entered_on", "exit_reason", "failed_branch_votes", "last_recorded_at")
DOCUMENT_COLUMNS = ("received", "received_on", "note", "details", "recorded_by_id", "recorded_at",
                    "file_path", "file_name", "file_type", "file_size")
ENROLMENT_COLUMNS = ("enrolled_on", "result", "certificate_number", "certificate_date")
DEADLINE_COLUMNS = ("key", "stage", "starts_on", "due_on", "limit_value", "limit_unit", "citation", "confirmed")


def exit_reason(state):
    """Why the case left the road, in the office's language (the log keeps the numbers and the
    pages render a vote's shortfall per reader): the vote's shortfall and the act's reason, or
    the act's name."""
    entry = state.exit_entry
    if entry is None:
        return None
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        outcome = shortfall_of(entry.data)
        text = "; ".join(filter(None, [str(outcome) if outcome is not None else "", entry.reason]))
        return text or str(ACT_BY_NAME[entry.act].label)


@dataclass(frozen=True)
class Projection:
    """What the tables should hold for one case, as comparable values."""
    case: dict
    documents: dict  # item key -> column values
    enrolments: dict  # class id -> column values
    deadlines: tuple  # column values, in the order of the deadline rules


def projection_of(state):
    documents = {key: {"received": doc.received, "received_on": doc.received_on if doc.received else None,
                       "note": doc.note, "details": doc.details, "recorded_by_id": doc.recorded_by_id,
                       "recorded_at": doc.recorded_at, "file_path": doc.file_path, "file_name": doc.file_name,
                       "file_type": doc.file_type, "file_size": doc.file_size}
                 for key, doc in state.documents.items()}
    enrolments = {e.class_id: {"enrolled_on": e.enrolled_on, "result": e.result,
                               "certificate_number": e.certificate_number, "certificate_date": e.certificate_date}
                  for e in state.enrolments}
    deadlines = tuple((d.key, state.stage, d.start, d.due, d.limit, d.unit, d.citation, d.confirmed)
                      for d in state.deadlines)
    return Projection({"stage": state.stage, "stage_entered_on": state.stage_entered_on,
                       "exit_reason": exit_reason(state), "failed_branch_votes": state.failed_branch_votes,
                       "last_recorded_at": state.last_recorded_at}, documents, enrolments, deadlines)


def stored_projection(case):
    """What the tables hold for `case` (its items, enrolments and deadlines loaded)."""
    return Projection(
        {name: getattr(case, name) for name in CASE_COLUMNS},
        {item.item_key: {name: getattr(item, name) for name in DOCUMENT_COLUMNS} for item in case.dossier_items},
        {e.class_id: {name: getattr(e, name) for name in ENROLMENT_COLUMNS} for e in case.enrolments},
        tuple(tuple(getattr(row, name) for name in DEADLINE_COLUMNS) for row in case.deadlines))


def project(case, state, calendar, before=None):
    """Write the case's projection rows from its state (replayed from its log, the new entries
    included). A new entry always moves `last_recorded_at`, hence the case's version. `before`: the
    state before the new entries (a copy), when the caller holds it: the rows of a part that did not
    change (the enrolments when a document is recorded) are then not even read."""
    with_deadlines(state, calendar, case)
    if state.head is not None and state.head.hash is not None:  # a new case's first entry: see open_case
        write_snapshot(case, state)
    wanted = projection_of(state)
    was = projection_of(with_deadlines(before, calendar, case)) if before is not None else None
    for name, value in wanted.case.items():
        if getattr(case, name) != value:
            setattr(case, name, value)
    # A case moved by its last entry (a new case's branch is set, its id not flushed yet).
    current = case.branch_id if case.branch_id is not None else getattr(case.branch, "id", None)
    if state.branch_id is not None and current != state.branch_id:
        case.branch = db.session.get(Unit, state.branch_id)
    if was is None or was.documents != wanted.documents:
        _write_documents(case, wanted.documents)
    if was is None or was.enrolments != wanted.enrolments:
        _write_enrolments(case, wanted.enrolments)
    if was is None or was.deadlines != wanted.deadlines:
        _write_deadlines(case, wanted.deadlines)


def snapshot_values(state):
    """The case_snapshot columns for a state (its head included)."""
    head = state.head
    return {"head_seq": head.seq, "head_hash": head.hash, "head_recorded_at": head.recorded_at, "format": FORMAT,
            "state": encode(state)}


def write_snapshot(case, state):
    """Keep the case's snapshot at `state` (pipeline.workflow.snapshot): one row written."""
    values = snapshot_values(state)
    if case.snapshot is None:
        case.snapshot = CaseSnapshot(**values)
        return
    for name, value in values.items():
        if getattr(case.snapshot, name) != value:
            setattr(case.snapshot, name, value)


@cache
def _items_statement():
    # Without the recorder's account and unit (joined by default): the projection compares and
    # writes the items' own columns only.
    return (select(DossierItem).where(DossierItem.case_id == bindparam("case_id")).order_by(DossierItem.id)
            .options(lazyload(DossierItem.recorded_by)).execution_options(prepared=True))


def _dossier_items(case):
    """The case's items. Not loaded yet, they are read by a statement built once, what its lazy
    loader would read (the same rows, in the relationship's order) for about half the CPU."""
    state = inspect(case)
    if state.session is not None and state.has_identity and "dossier_items" in state.unloaded:
        set_committed_value(case, "dossier_items",
                            state.session.execute(_items_statement(), {"case_id": case.id}).scalars().all())
    return case.dossier_items


def _write_documents(case, wanted):
    items = {item.item_key: item for item in _dossier_items(case)}
    for key, values in wanted.items():
        item = items.get(key)
        if item is not None and values["file_path"] is None and values["file_name"] and item.file_path:
            # Entries written before the log named the stored file: the scan stays where it is.
            wanted[key] = dict(values, file_path=item.file_path)
    # The case's id set as well as the case: an act's new rows then go out in its one statement
    # (pipeline.written_at_once), which writes columns, not links.
    _write_rows(items, wanted, lambda key: DossierItem(case=case, case_id=case.id, item_key=key))


def _write_enrolments(case, wanted):
    _write_rows({row.class_id: row for row in case.enrolments}, wanted,
                lambda class_id: Enrolment(case=case, case_id=case.id, class_id=class_id))


def _write_rows(rows, wanted, new_row):
    """Make `rows` (key -> row) hold `wanted` (key -> column values): a new row where one is
    missing, only the columns that differ, no row that the state does not have."""
    for key, values in wanted.items():
        row = rows.get(key)
        if row is None:
            row = new_row(key)
            db.session.add(row)
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    for key, row in rows.items():
        if key not in wanted:
            db.session.delete(row)


def _write_deadlines(case, wanted):
    stored = tuple(tuple(getattr(row, name) for name in DEADLINE_COLUMNS) for row in case.deadlines)
    if stored == wanted:
        return
    for row in list(case.deadlines):
        db.session.delete(row)
    for values in wanted:
        db.session.add(CaseDeadline(case=case, case_id=case.id, **dict(zip(DEADLINE_COLUMNS, values))))


# --- many cases: rebuilding and checking ---------------------------------------------------------

def _cases_with_projections(case_ids):
    return db.session.execute(
        select(Case).where(Case.id.in_(case_ids))
        .options(selectinload(Case.branch).selectinload(Unit.parent), selectinload(Case.dossier_items),
                 selectinload(Case.enrolments), selectinload(Case.deadlines), selectinload(Case.snapshot))
        .order_by(Case.id)
    ).scalars().all()


def _in_batches(case_ids):
    case_ids = sorted(set(case_ids))
    for start in range(0, len(case_ids), REBUILD_BATCH):
        batch = case_ids[start:start + REBUILD_BATCH]
        logs = logs_of(batch)
        for case in _cases_with_projections(batch):
            yield case, logs[case.id]


def rebuild(case_ids, calendar=None):
    """Rewrite the projections of these cases from their logs (after a calendar change, or to
    repair them). Runs inside the caller's transaction; returns how many deadline rows the cases
    hold afterwards."""
    calendar = calendar or WorkingCalendar.load()
    deadlines = 0
    for case, log in _in_batches(case_ids):
        state = replay(log)
        project(case, state, calendar)
        deadlines += len(state.deadlines)
    db.session.flush()
    return deadlines


SNAPSHOT_HEAD = ("head_seq", "head_hash", "head_recorded_at")


def _snapshot_columns(snapshot):
    if snapshot is None:
        return None
    return {name: getattr(snapshot, name) for name in SNAPSHOT_HEAD + ("format", "state")}


def _same_snapshot(snapshot, state):
    """Every case has its snapshot's head right; a state not written yet (format 0, from before
    migration 0018) is no difference: the next act writes it."""
    stored, wanted = _snapshot_columns(snapshot), snapshot_values(state)
    if stored is None:
        return False
    if not readable(snapshot):
        return all(stored[name] == wanted[name] for name in SNAPSHOT_HEAD)
    return stored == wanted


def open_case_ids():
    """The cases still in the pipeline: those whose deadlines can run."""
    return db.session.execute(select(Case.id).where(Case.stage.not_in(TERMINAL_STAGES + ("official",)))
                              ).scalars().all()


def cases_without_snapshot():
    """The cases whose snapshot is missing (a database from before migration 0018) or of an
    older format, in id order."""
    return db.session.execute(
        select(Case.id).outerjoin(CaseSnapshot, CaseSnapshot.case_id == Case.id)
        .where(or_(CaseSnapshot.case_id.is_(None), CaseSnapshot.format != FORMAT)).order_by(Case.id)
    ).scalars().all()


def build_snapshots(case_ids, calendar=None):
    """Rebuild these cases' projections, their snapshots included, from their logs, their rows
    locked first (an act on one of them meanwhile waits, and is not overwritten). Inside the
    caller's transaction."""
    db.session.execute(select(Case.id).where(Case.id.in_(case_ids)).with_for_update())
    rebuild(case_ids, calendar)


def cases_with_working_day_deadlines():
    """A changed calendar moves the due dates counted in working days, and only those."""
    return db.session.execute(select(CaseDeadline.case_id).where(CaseDeadline.limit_unit == WORKING_DAYS)
                              .distinct()).scalars().all()


def differences(case_ids, calendar=None):
    """case id -> (what the tables hold, what a fresh replay of the log gives), for every case
    whose stored projection differs from its log; a log that does not replay gives its BrokenLog
    in place of the replay. Empty when every projection is right."""
    calendar = calendar or WorkingCalendar.load()
    found = {}
    for case, log in _in_batches(case_ids):
        stored = stored_projection(case)
        try:
            state = with_deadlines(replay(log), calendar, case)
            wanted = projection_of(state)
        except BrokenLog as broken:
            state, wanted = None, broken
        if stored != wanted:
            found[case.id] = (stored, wanted)
        elif state is not None and not _same_snapshot(case.snapshot, state):
            found[case.id] = (_snapshot_columns(case.snapshot), snapshot_values(state))
    return found
