"""The chain head printed on checklists and reports: a short fingerprint of the newest log rows.
A walk of the chains cannot see that the newest rows of a case were deleted (the rows left still
chain up); a paper copy that carries the head then did can: the head on the audit page differs
from the one printed.

A case's head is its newest row's hash (shortened) and its number of acts; a unit's head is a
digest of every case's newest (case, seq, hash) in its subtree, in case order, with the counts."""
import hashlib
from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.models import CaseSnapshot, LogEntry

SHORT = 12  # hex digits: enough to compare by eye, 48 bits against a chance match
CHUNK = 5000


@dataclass(frozen=True)
class CaseHead:
    acts: int
    hash: str


@dataclass(frozen=True)
class UnitHead:
    cases: int
    acts: int
    hash: str


def case_head(log):
    """From a case's entries already loaded in seq order (no statement), or None without any."""
    if not log:
        return None
    newest = log[-1]
    return CaseHead(newest.seq, newest.hash[:SHORT])


def case_head_of(case_id):
    """One statement: the case's newest row."""
    row = db.session.execute(select(LogEntry.seq, LogEntry.hash).where(LogEntry.case_id == case_id)
                             .order_by(LogEntry.seq.desc()).limit(1)).first()
    return CaseHead(row.seq, row.hash[:SHORT]) if row else None


def unit_head(unit, from_snapshots=False):
    """One statement: each case's newest row in the subtree, read in chunks into the digest.
    The audit page and `audit head` read the log itself; a printout may read the heads the acts
    keep on the cases' snapshots (`from_snapshots`: one row per case instead of the newest of
    each log; the same digest unless the log's newest rows were removed behind the acts' back,
    which `audit verify` reports)."""
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    if from_snapshots:
        heads = select(CaseSnapshot.case_id, CaseSnapshot.head_seq, CaseSnapshot.head_hash)
        if unit.parent_id is None:
            statement = heads.where(_under_a_root(unit))
        else:
            statement = (heads.join(Case, Case.id == CaseSnapshot.case_id).join(Unit, Unit.id == Case.branch_id)
                         .where(subtree_filter(unit)))
    else:
        newest = (select(LogEntry.case_id, func.max(LogEntry.seq).label("seq"))
                  .join(Case, Case.id == LogEntry.case_id)
                  .join(Unit, Unit.id == Case.branch_id)
                  .where(subtree_filter(unit))
                  .group_by(LogEntry.case_id).subquery())
        statement = (select(LogEntry.case_id, LogEntry.seq, LogEntry.hash)
                     .join(newest, and_(LogEntry.case_id == newest.c.case_id, LogEntry.seq == newest.c.seq)))
    if on_postgresql:
        return _digested_by_the_server(statement.subquery())
    digest, cases, acts = hashlib.sha256(), 0, 0
    # In case order (PostgreSQL orders them in its aggregate); by the session's connection: plain
    # rows, not the ORM's loading of each (two thirds of the time).
    in_case_order = statement.order_by(statement.selected_columns[0])
    result = db.session.connection().execute(in_case_order.execution_options(yield_per=CHUNK))
    try:
        for rows in result.partitions():  # a chunk's lines hashed at once
            lines = "".join([f"{case_id}:{seq}:{row_hash}\n" for case_id, seq, row_hash in rows])
            digest.update(lines.encode("ascii"))
            cases += len(rows)
            acts += sum(row[1] for row in rows)
    finally:
        result.close()
    return UnitHead(cases, acts, digest.hexdigest()[:SHORT])


def _under_a_root(root):
    """The heads of a root's cases: every snapshot when the root is the tree's only one (no join
    with the cases and their units: the top's digest at a million cases on PostgreSQL 1.0-1.1 s,
    1.2-1.4 s as a union of both ways, 2.4 s joined), else those of its subtree. Both databases
    count the roots once, and look the subtree's cases up only when that count is not 1 (SQLite
    ran both ways of the union)."""
    roots = select(func.count()).select_from(Unit).where(Unit.parent_id.is_(None)).scalar_subquery()
    in_subtree = select(Case.id).join(Unit, Unit.id == Case.branch_id).where(subtree_filter(root))
    return or_(roots == 1, CaseSnapshot.case_id.in_(in_subtree))


def _digested_by_the_server(heads):
    """The same digest computed by PostgreSQL: the lines joined in case order and hashed there,
    not a row per case sent here (the top's year report at a million cases spent seconds in the
    loop above)."""
    case_id, seq, row_hash = heads.c  # the statement's three columns, whatever their names
    line = func.concat(case_id, ":", seq, ":", row_hash, "\n")
    joined = func.coalesce(func.string_agg(line, aggregate_order_by(literal_column("''"), case_id)), "")
    cases, acts, hexdigest = db.session.execute(select(
        func.count(), func.coalesce(func.sum(seq), 0),
        func.encode(func.sha256(func.convert_to(joined, "UTF8")), "hex"))).one()
    return UnitHead(cases, int(acts), hexdigest[:SHORT])
