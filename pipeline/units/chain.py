"""The history of a unit as a hash chain, like an account's (pipeline.accounts.chain): each
UnitChange row carries the hash of the unit's previous row and its own, an HMAC under the log
key, so a row edited, inserted or deleted behind the application's back breaks the chain.

The "created" row records the unit's whole initial state, so replaying the chain (`apply`) gives
what the unit's row should hold now, which `audit verify` compares with it."""
from datetime import date, datetime

from sqlalchemy import insert, select

from pipeline.base import clock
from pipeline.base.signing import canonical_json, seal
from pipeline.extensions import db
from pipeline.units.models import Unit, UnitChange

GENESIS_HASH = "0" * 64
# The unit's columns a chain says something about, as `changes` names them (dates as ISO text).
CHAINED_FIELDS = ("code", "name", "kind", "parent_id", "decides_admissions", "official_members",
                  "valid_from", "valid_to")


def change_payload(row):
    """The text a change's hash is computed over: its content and the previous row's hash."""
    recorded_at = row.recorded_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return canonical_json({"unit_id": row.unit_id, "actor_id": row.actor_id, "action": row.action,
                           "changes": row.changes or {}, "reason": row.reason or "",
                           "effective_date": row.effective_date.isoformat(), "recorded_at": recorded_at,
                           "prev_hash": row.prev_hash})


def change_hash(row, key=None):
    return seal(change_payload(row), key)


def chained_value(value):
    """A column's value as a chain records it (JSON has no dates)."""
    return value.isoformat() if isinstance(value, date) else value


def state_of(unit):
    """The unit's chained fields as its row holds them, in the chain's terms."""
    return {name: chained_value(getattr(unit, name)) for name in CHAINED_FIELDS}


def initial_state(unit):
    """What a "created" row records: the unit's whole state when it was made."""
    return {name: [None, value] for name, value in state_of(unit).items()}


def chained_change(actor, unit, action, changes, reason="", effective_date=None):
    """A new row at the end of `unit`'s chain (the unit's row is locked first, so two changes of
    one unit are written one after the other). The caller adds it to the session."""
    db.session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update())
    previous = db.session.execute(select(UnitChange.hash).where(UnitChange.unit_id == unit.id)
                                  .order_by(UnitChange.id.desc()).limit(1)).scalar()
    if action == "created":
        changes = initial_state(unit)
    row = UnitChange(unit_id=unit.id, actor_id=actor.id if actor else None, action=action,
                     changes={name: [chained_value(old), chained_value(new)] for name, (old, new) in changes.items()},
                     reason=reason or "", effective_date=effective_date or clock.today(),
                     recorded_at=datetime.utcnow(), prev_hash=previous or GENESIS_HASH)
    row.hash = change_hash(row)
    return row


def record_created_rows(units, actor_id=None):
    """The "created" rows of units made without `operations.create_unit` (setup's top unit, the
    demo's tree, the tests' world): one INSERT for the whole batch, inside the caller's
    transaction, after the units' flush. Each is the first row of its unit's chain."""
    rows = []
    for unit in units:
        row = UnitChange(unit_id=unit.id, actor_id=actor_id, action="created", changes=initial_state(unit),
                         reason="", effective_date=unit.valid_from, recorded_at=datetime.utcnow(),
                         prev_hash=GENESIS_HASH)
        row.hash = change_hash(row)
        rows.append({column: getattr(row, column) for column in
                     ("unit_id", "actor_id", "action", "changes", "reason", "effective_date", "recorded_at",
                      "prev_hash", "hash")})
    if rows:
        db.session.execute(insert(UnitChange), rows)


def apply(state, row):
    """The unit's state after one more row of its chain (a dict of CHAINED_FIELDS)."""
    for name, values in (row.changes or {}).items():
        if name in CHAINED_FIELDS and isinstance(values, (list, tuple)) and len(values) == 2:
            state[name] = values[1]
    return state
