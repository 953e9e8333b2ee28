"""The walk of the act log's hash chains (pipeline.workflow.log): for each case, the first row
that was edited, inserted or deleted behind the application's back. The database refuses UPDATE
and DELETE on the log (and, on PostgreSQL, the application's own role may not run them at all),
but whoever owns the database can drop those triggers; the chain is what still shows it afterwards.

Each hash is an HMAC under the log key, kept outside the database (instance/log_key or
KETNAP_LOG_KEY): rows edited and every later hash recomputed without the key (plain SHA-256, a
guessed key) break the chain like any other edit. The chain says nothing of the other tables, so
`audit verify` also replays every case's log and compares it with the case's row, particulars
included, and its projection rows, and replays every account's chain of changes against the
account (pipeline.audit.replayed).

What remains unseen: the newest rows of a case deleted together with every trace they left in the
other tables (the rows left still chain up and replay to what is stored): that is why the chain head is printed on paper
(pipeline.audit.head). And whoever holds the key as well as the database can forge anything: keep
the key out of the database's backups and away from its administrators."""
import hashlib
from dataclasses import dataclass, field

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import exists, select

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.models import GENESIS_HASH, HASHED, LogEntry, entry_hash, entry_payload
from pipeline.workflow.stages import stage_label

EDITED, INSERTED, DELETED = "edited", "inserted", "deleted"
KIND_LABELS = {EDITED: _l("edited"), INSERTED: _l("inserted"), DELETED: _l("deleted")}
CHUNK = 2000  # log rows fetched at a time: the walk never holds the whole log
RENUMBERING_TRIED = 50  # how far a renumbered row is looked for (rows shifted to hide a gap)



@dataclass(frozen=True)
class Break:
    """The first row of a case whose chain is broken. For a deletion `seq` is the first missing
    position and `act` None; otherwise the row at `seq` and its act."""
    case_id: int
    seq: int
    kind: str
    act: str | None
    detail: object  # a sentence for the reader

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


@dataclass
class Report:
    cases: int = 0
    rows: int = 0
    breaks: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.breaks


def _content_hash(row, seq=None):
    return entry_hash(row, seq)


def _unkeyed_hash(row):
    """The hash a row had before the log key: SHA-256 of the same payload."""
    return hashlib.sha256(entry_payload(row).encode("utf-8")).hexdigest()


def _original_seq(row):
    """The position the row had when it was written, if it was only renumbered since (its content
    hashes right under another seq), else None."""
    for shift in range(1, RENUMBERING_TRIED + 1):
        for seq in (row.seq + shift, row.seq - shift):
            if seq >= 1 and _content_hash(row, seq) == row.hash:
                return seq
    return None


class CaseChain:
    """One case's rows fed in seq order; `broken` is the first Break, after which the rest of the
    case is not judged (everything after a break is suspect anyway)."""

    def __init__(self, case_id, stage=None):
        self.case_id = case_id
        self.stage = stage  # the stage the case row holds, to compare with where the log ends
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.seen = {GENESIS_HASH: (0, None)}  # hash -> (seq, act) of the rows walked so far
        self.last_to_stage = None
        self.broken = None
        self.rows = 0
        # A chain whose first row carries the hash of before the log key (plain SHA-256): one the
        # upgrade left unsealed because it was already broken, or one recomputed without the key.
        self.unkeyed = None
        self.first_act = None

    def _break(self, seq, kind, act, detail):
        self.broken = Break(self.case_id, seq, kind, act, detail)

    def feed(self, row):
        self.rows += 1
        if self.broken:
            return
        if row.seq > self.expected_seq:
            last = row.seq - 1
            detail = (_l("act no. %(seq)d is missing from the log", seq=last) if last == self.expected_seq else
                      _l("acts no. %(first)d to %(last)d are missing from the log", first=self.expected_seq, last=last))
            return self._break(self.expected_seq, DELETED, None, detail)
        if self.unkeyed is None:
            self.unkeyed = _content_hash(row) != row.hash and _unkeyed_hash(row) == row.hash
            self.first_act = row.act
        content_ok = (_unkeyed_hash(row) if self.unkeyed else _content_hash(row)) == row.hash
        if row.prev_hash == self.prev_hash and row.seq == self.expected_seq:
            if not content_ok:
                return self._break(row.seq, EDITED, row.act,
                                   _l("its content no longer matches its hash: it was changed after it was written"))
        elif row.prev_hash in self.seen:
            # It follows an earlier row, not the one before it: what lies between was slipped in.
            seq, _act = self.seen[row.prev_hash]
            inserted_seq = seq + 1
            return self._break(inserted_seq, INSERTED, self._act_at(inserted_seq),
                               _l("act no. %(next)d was written after act no. %(before)d, so the rows between "
                                  "them were inserted later", next=row.seq, before=seq))
        elif content_ok and row.seq > 1:
            # A consistent row whose predecessor's hash is nowhere: the row before it was changed
            # and its hash recomputed to match.
            return self._break(row.seq - 1, EDITED, self._act_at(row.seq - 1),
                               _l("it was changed and its hash recomputed, but act no. %(next)d still points "
                                  "to its original hash", next=row.seq))
        else:
            original = _original_seq(row)
            if original is not None and original > row.seq:
                return self._break(row.seq, DELETED, None,
                                   _l("act no. %(original)d now stands at no. %(seq)d: the rows before it were "
                                      "deleted and the later ones renumbered", original=original, seq=row.seq))
            return self._break(row.seq, INSERTED, row.act,
                               _l("it is not linked to the act before it: the row was forged or inserted"))
        self.seen[row.hash] = (row.seq, row.act)
        self.prev_hash = row.hash
        self.expected_seq = row.seq + 1
        self.last_to_stage = row.to_stage

    def _act_at(self, seq):
        return next((act for s, act in self.seen.values() if s == seq), None)

    def finish(self):
        """After the case's last row: a log that ends in another stage than the case's lost its
        newest rows (the acts that moved the case there)."""
        if self.broken:
            return self.broken
        if self.rows == 0:
            self._break(1, DELETED, None, _l("the case has no rows in the log"))
        elif self.stage is not None and self.last_to_stage != self.stage:
            self._break(self.expected_seq, DELETED, None,
                        _l("the case is in the stage “%(stored)s” but its last logged act leaves it in "
                           "“%(logged)s”: its newest rows were deleted",
                           stored=stage_label(self.stage), logged=stage_label(self.last_to_stage)))
        elif self.unkeyed:
            self._break(1, EDITED, self.first_act,
                        _l("its hashes were computed without the log key: the chain was recomputed, "
                           "or was never sealed with the key"))
        return self.broken


def check_case(entries, stage=None):
    """The first Break of one case's rows (already loaded, in seq order), or None."""
    chain = CaseChain(entries[0].case_id if entries else None, stage)
    for row in entries:
        chain.feed(row)
    return chain.finish()


def _rows_statement(root):
    statement = (select(*(getattr(LogEntry, name) for name in HASHED), LogEntry.prev_hash, LogEntry.hash,
                        Case.stage.label("case_stage"))
                 .join(Case, Case.id == LogEntry.case_id))
    if root is not None:
        statement = statement.join(Unit, Unit.id == Case.branch_id).where(subtree_filter(root))
    return statement.order_by(LogEntry.case_id, LogEntry.seq)


def _cases_without_rows(root):
    statement = select(Case.id).where(~exists().where(LogEntry.case_id == Case.id))
    if root is not None:
        statement = statement.join(Unit, Unit.id == Case.branch_id).where(subtree_filter(root))
    return db.session.execute(statement.order_by(Case.id)).scalars().all()


def verify(root=None, chunk=CHUNK):
    """Walk every case of `root`'s subtree (every case when None): two statements, the log read
    `chunk` rows at a time in (case, seq) order, one case's chain in memory at a time."""
    report = Report()
    walk_chains(_rows_statement(root), lambda row: row.case_id, lambda row: CaseChain(row.case_id, row.case_stage),
                lambda chain: _close(chain, report), chunk, scalars=False)
    for case_id in _cases_without_rows(root):
        _close(CaseChain(case_id), report)
    report.breaks.sort(key=lambda b: (b.case_id, b.seq))
    return report


def walk_chains(statement, owner_of, start, finish, chunk=CHUNK, scalars=True):
    """Feed each row of `statement` (ordered by owner, then seq) to its owner's chain, `chunk`
    rows at a time and one chain in memory at a time: start(row) opens the chain of the row's
    owner, finish(chain) closes it. The case logs, the read logs and the notes walk this way."""
    result = db.session.execute(statement.execution_options(yield_per=chunk))
    chain = owner = None
    try:
        for row in (result.scalars() if scalars else result):
            if chain is None or owner_of(row) != owner:
                if chain is not None:
                    finish(chain)
                owner, chain = owner_of(row), start(row)
            chain.feed(row)
    finally:
        result.close()
    if chain is not None:
        finish(chain)


def _close(chain, report):
    if chain is None:
        return
    report.cases += 1
    report.rows += chain.rows
    broken = chain.finish()
    if broken:
        report.breaks.append(broken)


def case_names(case_ids):
    """case id -> (full name, branch name) for the cases a report names: one statement, none
    when there are none."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(Case.id, Case.full_name, Unit.name)
                              .join(Unit, Unit.id == Case.branch_id).where(Case.id.in_(set(case_ids))))
    return {case_id: (name, branch) for case_id, name, branch in rows}
