"""The history of an account as a hash chain: each AccountChange row carries the hash of the
account's previous row and its own, an HMAC under the log key (pipeline.base.signing), so a row
edited, inserted or deleted behind the application's back breaks the chain, and a chain recomputed
without the key does not verify.

One chain per account, not one for every account: a change locks its account's row and appends to
that account's chain only, so administrators working on different accounts never wait for one
another, and the chain of one account is read on its own (its history page, the verification).

The "created" row records the account's whole initial state (display name, role, unit, active),
so replaying the chain (`replayed`) gives what the account should hold now, which `audit verify`
compares with the account's row."""
from datetime import datetime

from sqlalchemy import select

from pipeline.accounts.models import AccountChange, User
from pipeline.base.signing import canonical_json, seal
from pipeline.extensions import db

GENESIS_HASH = "0" * 64
# The account's columns a chain says something about, as `changes` names them.
CHAINED_FIELDS = ("display_name", "role", "unit_id", "active")
# Actions that set the active flag without naming it in `changes`.
ACTIVE_AFTER = {"disabled": False, "enabled": True}


def change_payload(row):
    """The text a change's hash is computed over: its content and the previous row's hash."""
    recorded_at = row.recorded_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return canonical_json({"user_id": row.user_id, "actor_id": row.actor_id, "action": row.action,
                           "changes": row.changes or {}, "reason": row.reason or "", "recorded_at": recorded_at,
                           "prev_hash": row.prev_hash})


def change_hash(row, key=None):
    return seal(change_payload(row), key)


def initial_state(user):
    """What a "created" row records: the account's whole state when it was made."""
    return {"display_name": [None, user.display_name], "role": [None, user.role],
            "unit_id": [None, user.unit_id if user.unit_id is not None else user.unit.id],
            "active": [None, bool(user.active)]}


def chained_change(actor, user, action, changes, reason=""):
    """A new row at the end of `user`'s chain (the account's row is locked first, so two changes
    of one account are written one after the other). The caller adds it to the session."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    previous = db.session.execute(select(AccountChange.hash).where(AccountChange.user_id == user.id)
                                  .order_by(AccountChange.id.desc()).limit(1)).scalar()
    if action == "created":
        changes = initial_state(user) | (changes or {})
    row = AccountChange(user=user, user_id=user.id, actor=actor, actor_id=actor.id if actor else None,
                        action=action, changes=changes or {}, reason=reason or "",
                        recorded_at=datetime.utcnow(), prev_hash=previous or GENESIS_HASH)
    row.hash = change_hash(row)
    return row


def record_created(actor, user):
    """The "created" row of an account made without `operations.create_user` (the demo's
    accounts, the tests' world): inside the caller's transaction, after the account's flush."""
    db.session.add(chained_change(actor, user, "created", {}))


def apply(state, row):
    """The account's state after one more row of its chain (a dict of CHAINED_FIELDS)."""
    for name, values in (row.changes or {}).items():
        if name in CHAINED_FIELDS and isinstance(values, (list, tuple)) and len(values) == 2:
            state[name] = values[1]
    if row.action in ACTIVE_AFTER:
        state["active"] = ACTIVE_AFTER[row.action]
    if row.action == "created":
        # Rows written before the chains named only the role and unit: accounts start active.
        state.setdefault("active", True)
    return state
