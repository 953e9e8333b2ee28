"""A case's snapshot: its state (pipeline.workflow.state) as its log replays to, stored as JSON on
`case_snapshot` with the log's head, written by every act in the act's own transaction
(`pipeline.workflow.projection.project`). An act, the dossier page and the case's checklist read
the snapshot instead of loading and replaying the whole log, so their cost does not grow with it.

The snapshot is a projection like the case row: `audit verify` and `differences` compare it with a
fresh replay. A case whose snapshot holds only its head (written by migration 0018), or a state of
an older `FORMAT`, is replayed from its log, and the act then writes the state."""
import types
import typing
from dataclasses import dataclass, fields
from functools import cache
from datetime import date, datetime

from pipeline.workflow.state import CaseState, DocumentState, EnrolmentState, EntryFacts

# Raised whenever what the state keeps, or how it is encoded, changes: older snapshots are then
# replayed from the log instead of being read.
FORMAT = 1

# The log itself, the deadlines every reader recounts, the head (kept in columns of its own).
SKIPPED = {"entries", "deadlines", "head"}
DICTS_OF = {"documents": DocumentState, "acts_on_record": EntryFacts}
LISTS_OF = {"enrolments": EnrolmentState}
ONE_OF = {"exit_entry": EntryFacts}
DICTS_OF_DATES = {"extensions"}
STATE_FIELDS = {f.name for f in fields(CaseState)}


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _encode_record(record):
    return {f.name: _plain(getattr(record, f.name)) for f in fields(record)}


def encode(state):
    """The state as JSON values (without its entries and deadlines)."""
    unknown = set(vars(state)) - STATE_FIELDS
    if unknown:  # an act's `records` or `effect` set something the snapshot would lose
        raise ValueError(f"the state holds {sorted(unknown)}, which CaseState does not declare")
    out = {}
    for f in fields(CaseState):
        if f.name in SKIPPED:
            continue
        value = getattr(state, f.name)
        if f.name in DICTS_OF:
            value = {key: _encode_record(record) for key, record in value.items()}
        elif f.name in LISTS_OF:
            value = [_encode_record(record) for record in value]
        elif f.name in ONE_OF:
            value = _encode_record(value) if value is not None else None
        elif f.name in DICTS_OF_DATES:
            value = {key: _plain(day) for key, day in value.items()}
        else:
            value = _plain(value)
        out[f.name] = value
    return out


def _reader(annotation):
    """How a field's JSON value is read back: a date or a time from its ISO text, else as it is."""
    kinds = set(typing.get_args(annotation)) if isinstance(annotation, types.UnionType) else {annotation}
    if datetime in kinds:
        return datetime.fromisoformat
    if date in kinds:
        return date.fromisoformat
    return None


@cache
def _readers(cls):
    """(field name, reader) of a dataclass, worked out once: pages decode many snapshots."""
    return tuple((f.name, _reader(f.type)) for f in fields(cls))


def _typed(value, read):
    return value if value is None or read is None else read(value)


def _decode_record(cls, values):
    return cls(**{name: _typed(values[name], read) for name, read in _readers(cls) if name in values})


@dataclass(frozen=True)
class Head:
    """The newest entry of a case's log, as its snapshot keeps it."""
    seq: int
    hash: str
    recorded_at: datetime


def decode(values, head=None):
    """The CaseState a snapshot holds; its `entries` are None (not loaded)."""
    kept = {}
    for name, read in _readers(CaseState):
        if name in SKIPPED or name not in values:
            continue
        value = values[name]
        if name in DICTS_OF:
            value = {key: _decode_record(DICTS_OF[name], record) for key, record in value.items()}
        elif name in LISTS_OF:
            value = [_decode_record(LISTS_OF[name], record) for record in value]
        elif name in ONE_OF:
            value = _decode_record(ONE_OF[name], value) if value is not None else None
        elif name in DICTS_OF_DATES:
            value = {key: date.fromisoformat(day) for key, day in value.items()}
        else:
            value = _typed(value, read)
        kept[name] = value
    return CaseState(**kept, entries=None, head=head)


def state_of(snapshot):
    """The state of the case whose (readable) snapshot row this is."""
    return decode(snapshot.state, Head(snapshot.head_seq, snapshot.head_hash, snapshot.head_recorded_at))


def readable(snapshot):
    """Whether a case's snapshot row (or None) can stand in for its log."""
    return snapshot is not None and snapshot.format == FORMAT
