"""Reading a case's log: its entries in order, and whether their hash chain holds; and whether
the log key configured is the one the log was sealed with."""
from collections import defaultdict

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from pipeline.base.signing import key_fingerprint, same_digest
from pipeline.extensions import db
from pipeline.workflow.models import GENESIS_HASH, LogEntry, LogKey

VOID_ACT = "void_act"  # pipeline.workflow.definition.VOID

KEY_MATCHES, KEY_MISSING, KEY_WRONG, KEY_UNRECORDED = "matches", "missing", "wrong", "unrecorded"


def not_voided(entry=LogEntry):
    """SQL: no void entry of the same case names `entry` (an act voided as entered by mistake
    counts nowhere: pipeline.workflow.voiding)."""
    void = aliased(LogEntry)
    return ~exists().where(void.case_id == entry.case_id, void.act == VOID_ACT,
                           void.data["voids_seq"].as_integer() == entry.seq)


def load_log(case_id):
    """A case's log entries, oldest first."""
    return db.session.execute(
        select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.seq)
    ).scalars().all()


def logs_of(case_ids):
    """case id -> its log entries, oldest first, for many cases in one statement (a case without
    entries maps to an empty list)."""
    found = defaultdict(list)
    if case_ids:
        for entry in db.session.execute(select(LogEntry).where(LogEntry.case_id.in_(list(case_ids)))
                                        .order_by(LogEntry.case_id, LogEntry.seq)).scalars():
            found[entry.case_id].append(entry)
    return found


def verify_chain(entries):
    """Walk one case's entries in seq order; return the first that breaks the chain, or None."""
    prev = GENESIS_HASH
    for expected_seq, row in enumerate(entries, start=1):
        if row.seq != expected_seq or row.prev_hash != prev or row.compute_hash() != row.hash:
            return row
        prev = row.hash
    return None


def replay_stage(entries):
    """The stage a case is in after its entries, or None if they do not follow one another."""
    stage = None
    for row in entries:
        if row.from_stage != stage:
            return None
        stage = row.to_stage
    return stage


def stored_fingerprint():
    """The fingerprint of the key the database says its logs are sealed with, or None."""
    return db.session.execute(select(LogKey.fingerprint).order_by(LogKey.id.desc()).limit(1)).scalar()


def key_state():
    """KEY_MISSING (no key configured), KEY_UNRECORDED (the database holds no fingerprint),
    KEY_WRONG (the key is not the one the log was written with) or KEY_MATCHES."""
    if not current_app.config.get("LOG_KEY"):
        return KEY_MISSING
    stored = stored_fingerprint()
    if stored is None:
        return KEY_UNRECORDED
    return KEY_MATCHES if same_digest(stored, key_fingerprint()) else KEY_WRONG


def remember_key():
    """Store the current key's fingerprint when the database holds none (a database built
    without the migrations); inside the caller's transaction."""
    if stored_fingerprint() is None:
        db.session.add(LogKey.of_current_key())
