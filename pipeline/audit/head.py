"""The chain head printed on checklists and reports: a short fingerprint of the newest log rows.
A walk of the chains cannot see that the newest rows of a case were deleted (the rows left still
chain up); a paper copy that carries the head then did can: the head on the audit page differs
from the one printed.

A case's head is its newest row's hash (shortened) and its number of acts; a unit's head is a
digest of every case's newest (case, seq, hash) in its subtree, in case order, with the counts."""
import hashlib
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from pipeline.candidates.models import Candidate
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.log import CaseEvent

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


def case_head(events):
    """From a case's rows already loaded in seq order (no statement), or None without rows."""
    if not events:
        return None
    newest = events[-1]
    return CaseHead(newest.seq, newest.hash[:SHORT])


def case_head_of(case_id):
    """One statement: the case's newest row."""
    row = db.session.execute(select(CaseEvent.seq, CaseEvent.hash).where(CaseEvent.candidate_id == case_id)
                             .order_by(CaseEvent.seq.desc()).limit(1)).first()
    return CaseHead(row.seq, row.hash[:SHORT]) if row else None


def unit_head(unit):
    """One statement: each case's newest row in the subtree, read in chunks into the digest."""
    newest = (select(CaseEvent.candidate_id, func.max(CaseEvent.seq).label("seq"))
              .join(Candidate, Candidate.id == CaseEvent.candidate_id)
              .join(Unit, Unit.id == Candidate.branch_id)
              .where(subtree_filter(unit))
              .group_by(CaseEvent.candidate_id).subquery())
    statement = (select(CaseEvent.candidate_id, CaseEvent.seq, CaseEvent.hash)
                 .join(newest, and_(CaseEvent.candidate_id == newest.c.candidate_id, CaseEvent.seq == newest.c.seq))
                 .order_by(CaseEvent.candidate_id))
    digest, cases, acts = hashlib.sha256(), 0, 0
    result = db.session.execute(statement.execution_options(yield_per=CHUNK))
    try:
        for candidate_id, seq, row_hash in result:
            digest.update(f"{candidate_id}:{seq}:{row_hash}\n".encode("ascii"))
            cases += 1
            acts += seq
    finally:
        result.close()
    return UnitHead(cases, acts, digest.hexdigest()[:SHORT])
