"""The one place where writes are committed. Every operation that writes runs its work inside
`one_transaction()`: what the block wrote is committed when it ends, or all of it is rolled back
when anything in it fails. Views and commands call operations and never commit themselves.

An operation that calls another one (opening many cases of an import, the demo's batches) runs
inside the outer transaction: the inner block commits nothing, the outer one commits it all."""
import re
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from pipeline.extensions import db, is_psycopg
from pipeline.written_at_once import write_at_once

_DEPTH = "one_transaction_depth"


@contextmanager
def one_transaction(conflict=None, at_once=False):
    """Commit what the block wrote, or roll all of it back and re-raise. `conflict()` makes the
    error raised instead when a concurrent write won (a stale version, a unique key taken in the
    meantime), so the user reads what happened rather than a database error. `at_once`: the
    block is an act, whose rows are written in one statement when they can be
    (pipeline.written_at_once)."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            if at_once:
                write_at_once(session)
            session.commit()
    except (StaleDataError, IntegrityError) as error:
        if depth == 0:
            session.rollback()
        if conflict is None:
            raise
        raise conflict() from error
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


# --- how a transaction that only read ends (PostgreSQL) ------------------------------------------
_WROTE = "transaction_wrote"


@event.listens_for(Engine, "begin")
def _nothing_written_yet(conn):
    conn.info[_WROTE] = False


# What a statement that reads may not hold (a CTE may write); a row lock is no write.
_WRITING = re.compile(r"\b(INSERT|(?<!FOR )(?<!FOR NO KEY )UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _note_a_write(conn, cursor, statement, parameters, context, executemany):
    info = conn.info
    if info.get(_WROTE):
        return
    start = statement[:12].lstrip()[:6].upper()
    if start == "SELECT" or (start[:4] == "WITH" and not _WRITING.search(statement)):
        return
    info[_WROTE] = True


@event.listens_for(Engine, "rollback")
def _reads_end_by_a_commit(conn):
    """psycopg deallocates a connection's prepared statements whenever a transaction is rolled
    back, and a page's reads end by a rollback: a transaction that wrote nothing is committed
    first (the same for a transaction that only read), and the rollback then has nothing to do."""
    raw = conn.connection.dbapi_connection
    if conn.info.get(_WROTE, True) or not is_psycopg(raw):
        return
    if raw.info.transaction_status == TransactionStatus.INTRANS:
        try:
            raw.commit()
        except psycopg.Error:
            pass  # a commit refused ends the transaction all the same: what the rollback meant to do
