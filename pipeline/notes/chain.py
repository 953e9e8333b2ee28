"""The walk of the notes' hash chains for `audit verify`: for each case, the first note edited,
inserted or deleted behind the application's back (the database refuses UPDATE and DELETE, but
whoever owns it can drop the triggers; the chain still shows it afterwards).

What the walk cannot see, as for the other chains: a case's newest notes deleted (the notes left
still chain up). Recomputing the hashes after an edit needs the log key, which the database does
not hold."""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from pipeline.audit.verify import walk_chains
from pipeline.base import signing
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.models import Case
from pipeline.notes.models import GENESIS_HASH, CaseNote
from pipeline.units.models import Unit, subtree_filter

CHUNK = 2000  # notes fetched at a time: the walk never holds them all


@dataclass(frozen=True)
class NoteBreak:
    """The first broken note of a case: the note at `seq` (for a deletion, the first missing one)."""
    case_id: int
    seq: int
    kind: str  # "edited", "inserted", "deleted"
    detail: object  # a sentence for the reader


@dataclass
class NoteReport:
    cases: int = 0
    notes: int = 0
    breaks: list = field(default_factory=list)


class NoteChain:
    """One case's notes fed in seq order; after the first break the rest is not judged."""

    def __init__(self, case_id, key):
        self.case_id, self.key = case_id, key
        self.expected_seq, self.prev_hash = 1, GENESIS_HASH
        self.seen = {GENESIS_HASH: 0}  # hash -> seq of the notes walked so far
        self.broken, self.notes = None, 0

    def _break(self, seq, kind, detail):
        self.broken = NoteBreak(self.case_id, seq, kind, detail)

    def feed(self, row):
        self.notes += 1
        if self.broken:
            return
        if row.seq > self.expected_seq:
            return self._break(self.expected_seq, "deleted",
                               _l("note no. %(seq)d is missing", seq=self.expected_seq))
        content_ok = signing.same_digest(row.compute_hash(key=self.key), row.hash)
        if row.prev_hash == self.prev_hash and row.seq == self.expected_seq:
            if not content_ok:
                return self._break(row.seq, "edited",
                                   _l("its content no longer matches its hash: it was changed after it was written"))
        elif row.prev_hash in self.seen:
            return self._break(self.seen[row.prev_hash] + 1, "inserted",
                               _l("note no. %(seq)d is not linked to the note before it: notes were inserted",
                                  seq=row.seq))
        elif content_ok and row.seq > 1:
            return self._break(row.seq - 1, "edited",
                               _l("it was changed and its hash recomputed, but note no. %(next)d still points "
                                  "to its original hash", next=row.seq))
        else:
            return self._break(row.seq, "inserted",
                               _l("it is not linked to the note before it: the note was forged or inserted"))
        self.seen[row.hash] = row.seq
        self.prev_hash, self.expected_seq = row.hash, row.seq + 1


def verify_notes(root=None, chunk=CHUNK):
    """Walk the notes of every case of `root`'s subtree (every case when None): one statement,
    read `chunk` notes at a time in (case, seq) order. Raises signing.LogKeyMissing without a key."""
    key = signing.current_key()
    statement = select(CaseNote).options(lazyload(CaseNote.author)).order_by(CaseNote.case_id, CaseNote.seq)
    if root is not None:
        statement = statement.where(CaseNote.case_id.in_(
            select(Case.id).join(Unit, Unit.id == Case.branch_id).where(subtree_filter(root))))
    report = NoteReport()
    walk_chains(statement, lambda row: row.case_id, lambda row: NoteChain(row.case_id, key),
                lambda chain: _close(chain, report), chunk)
    return report


def _close(chain, report):
    if chain is None:
        return
    report.cases += 1
    report.notes += chain.notes
    if chain.broken:
        report.breaks.append(chain.broken)
