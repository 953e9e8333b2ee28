"""Helpers of the audit tests: tampering with the log as an intruder with database access would
(the append-only triggers out of the way for the time of the change), and crafting log rows with
correct hashes that the workflow's guards would have refused."""
import contextlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import delete, update

from pipeline.workflow.log import load_log
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow import operations
from pipeline.workflow.models import LogEntry

@contextlib.contextmanager
def tampering(table="case_event"):
    """Bypass the append-only triggers of `table` for the block, as an intruder who owns the
    database would, then put them back (as they were: SQLite keeps their SQL) and commit."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        triggers = db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                              "AND tbl_name = :table"), {"table": table}).all()
        assert triggers, f"{table} has no triggers to bypass"
        for name, _sql in triggers:
            db.session.execute(sa.text(f"DROP TRIGGER {name}"))
    yield
    if postgres:
        db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    else:
        for _name, sql in triggers:
            db.session.execute(sa.text(sql))
    db.session.commit()
    db.session.expire_all()


def row_at(case_id, seq):
    return (LogEntry.case_id == case_id) & (LogEntry.seq == seq)


def events_of(case_id):
    db.session.expire_all()
    return load_log(case_id)


def seq_of(case_id, event):
    """The seq of the case's (first) act `event`."""
    return next(row.seq for row in events_of(case_id) if row.act == event)


def edit_row(case_id, seq, **values):
    with tampering():
        db.session.execute(update(LogEntry).where(row_at(case_id, seq)).values(**values))


def delete_rows(case_id, *seqs):
    with tampering():
        db.session.execute(delete(LogEntry).where(LogEntry.case_id == case_id, LogEntry.seq.in_(seqs)))


def craft_act(case_id, event, to_stage, effective_date, data, actor, from_stage=None, recorded_at=None):
    """Append a row the guards never saw, with a correct hash, and move the case to `to_stage`
    (as a forger with the code would, or a bypassed guard). `from_stage` defaults to the case's."""
    case = db.session.get(Case, case_id)
    previous = load_log(case_id)[-1]
    source = case.stage if from_stage is None else from_stage
    case.stage = to_stage
    row = LogEntry(case_id=case_id, seq=previous.seq + 1, act=event, from_stage=source, to_stage=to_stage,
                   actor_id=actor.id if actor else None, recorded_at=recorded_at or datetime.utcnow(),
                   effective_date=effective_date, reason="", data=data, prev_hash=previous.hash)
    row.hash = row.compute_hash()
    db.session.add(row)
    db.session.commit()
    return row
