"""Recording reads of personal data, listing them for the audit, and walking their chains.

A page that shows a person's particulars calls `record_read` after it has rendered and before it
answers: one lookup of the user's chain head and one INSERT, committed in the request's own
transaction (pipeline.transaction.one_transaction). If the row cannot be written the page is not
served (the error reaches the user): a read is never lost silently. Nothing is written before the
page is rendered, so the commit does not expire what the page still had to read."""
from dataclasses import dataclass, field
from functools import wraps
from datetime import date, datetime, timedelta

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from pipeline.accounts.models import User
from pipeline.audit.verify import DELETED, EDITED, INSERTED, KIND_LABELS as BREAK_KIND_LABELS, walk_chains
from pipeline.base import clock, signing
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.ids import storable
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.readlog.models import (ADDRESS_LENGTH, BRANCH_PDF, CASE_PAGE, DETAIL_LENGTH, DOSSIER_ITEM,
                                     DOSSIER_PAGE, EXPORT_CSV, EXPORT_XLSX, GENESIS_HASH, KINDS, PRINTOUT,
                                     PRINTOUT_PDF, SCAN_FILE, ACT_FORM, AUDIT_CASE, ReadLog)
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, subtree_filter

KIND_LABELS = {
    CASE_PAGE: _l("Case page"),
    ACT_FORM: _l("Act form"),
    DOSSIER_PAGE: _l("Dossier page"),
    DOSSIER_ITEM: _l("Dossier item"),
    SCAN_FILE: _l("Scanned document"),
    PRINTOUT: _l("Printable checklist"),
    PRINTOUT_PDF: _l("Checklist PDF"),
    BRANCH_PDF: _l("Branch checklists PDF"),
    EXPORT_CSV: _l("Export (CSV)"),
    EXPORT_XLSX: _l("Export (XLSX)"),
    AUDIT_CASE: _l("Audit log of a case"),
}
assert set(KIND_LABELS) == set(KINDS)
EXPORT_KINDS = {"csv": EXPORT_CSV, "xlsx": EXPORT_XLSX}
# Requests of the same user meeting on the same seq: each round one of them wins, the others read
# the new head and try again. Far more rounds than a user has tabs: beyond, something else is
# wrong, and the error is shown.
RETRIES = 20
# What an export's detail keeps of its address: the filters, not the machinery of the download.
NOT_FILTERS = ("format", "download_token", "page", "per_page")
CHUNK = 2000  # rows fetched at a time by the walk


def _address():
    return (request.remote_addr or "")[:ADDRESS_LENGTH] if has_request_context() else ""


def record_read(kind, case=None, unit=None, detail="", rows=None, user=None, case_id=None):
    """Append the read of `kind` by `user` (the logged-in user by default) to their chain: the
    case read (`case` or `case_id`; a case is in a subtree where its branch is, so no unit is
    kept for it), or the unit a list or printout covered with its number of rows. Returns the row."""
    if kind not in KINDS:
        raise ValueError(f"unknown read kind {kind!r}")
    user = user if user is not None else current_user._get_current_object()
    user_id, address = user.id, _address()
    case_id = case.id if case is not None else case_id
    unit_id = unit.id if unit is not None else None
    # Text from the address (a search, a document's key): printable characters only, bounded.
    detail = "".join(ch for ch in str(detail or "") if ch.isprintable())[:DETAIL_LENGTH]
    for attempt in range(RETRIES):
        try:
            with one_transaction():
                row = _append(user_id, kind, case_id, unit_id, detail, rows, address)
            return row
        except IntegrityError:
            # Another request of the same user took this seq in the meantime (uq_read_log_user_seq).
            if attempt == RETRIES - 1:
                raise


def _append(user_id, kind, case_id, unit_id, detail, rows, address):
    head = db.session.execute(select(ReadLog.seq, ReadLog.hash).where(ReadLog.user_id == user_id)
                              .order_by(ReadLog.seq.desc()).limit(1)).first()
    row = ReadLog(user_id=user_id, seq=head.seq + 1 if head else 1, kind=kind, case_id=case_id, unit_id=unit_id,
                  detail=detail, row_count=rows, read_at=datetime.utcnow(), address=address,
                  prev_hash=head.hash if head else GENESIS_HASH)
    row.hash = row.compute_hash()
    db.session.add(row)
    db.session.flush()
    return row


def status_of(response):
    """The status a view's return value will answer with (a body alone is a 200)."""
    if isinstance(response, tuple):
        return response[1] if len(response) > 1 and isinstance(response[1], int) else 200
    return getattr(response, "status_code", 200)


def recorded(response, kind, **fields):
    """`response`, once the read it serves is recorded (`record_read(kind, **fields)`); a refusal
    or an error page (any status but 2xx) shows nothing and records nothing."""
    if 200 <= status_of(response) < 300:
        record_read(kind, **fields)
    return response


def read_of(kind):
    """Decorator of a view of one case (`case_id`, and `key` for a dossier document): its GET
    answered with success is recorded (the view has found the case in the user's scope, or it
    would have answered 404). Below `login_required`."""
    def decorate(view):
        @wraps(view)
        def recording(*args, **kwargs):
            response = view(*args, **kwargs)
            if request.method != "GET":
                return response
            return recorded(response, kind, case_id=kwargs["case_id"], detail=kwargs.get("key", ""))
        return recording
    return decorate


def recorded_export(response, fmt, statement=None, unit=None, detail=None):
    """`response`, the export of `statement` as `fmt`, once recorded (`record_export`)."""
    if 200 <= status_of(response) < 300:
        record_export(fmt, statement, unit=unit, detail=detail)
    return response


def export_filters():
    """The list's filters as its address carries them (what the export selected), bounded."""
    return "&".join(f"{name}={value}" for name, value in request.args.items(multi=True)
                    if name not in NOT_FILTERS)[:DETAIL_LENGTH]


def count_rows(statement):
    """How many rows `statement` selects (one statement, its order dropped)."""
    return db.session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one()


def record_export(fmt, statement=None, user=None, unit=None, detail=None):
    """The export of a list as `fmt` (csv or xlsx): the unit it covered (`unit`, which the view has
    found in the user's scope, or else the unit its `unit` filter names when that unit is in the
    user's subtree, else the user's own unit), its filters (or `detail`) and its number of rows
    (that `statement` selects; unknown without one), written before the file is streamed. An
    unknown format exports nothing (the view answers 404)."""
    kind = EXPORT_KINDS.get(fmt)
    if kind is None:
        return None
    user = user if user is not None else current_user._get_current_object()
    if unit is None:
        unit = user.unit
        unit_id = request.args.get("unit", type=int)
        if unit_id is not None and unit_id != unit.id and storable(unit_id):
            unit = db.session.execute(select(Unit).where(Unit.id == unit_id, subtree_filter(user.unit))
                                      ).scalar_one_or_none() or unit
    rows = count_rows(statement) if statement is not None else None
    return record_read(kind, unit=unit, detail=export_filters() if detail is None else detail, rows=rows, user=user)


# --- the audit page's list ----------------------------------------------------------------------

@dataclass(frozen=True)
class ReadFilters:
    unit: Unit  # the subtree: reads of its cases, exports and printouts of its units
    reader_id: int | None = None
    case_id: int | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def conditions(self):
        found = [subtree_filter(self.unit)]
        if self.reader_id is not None:
            found.append(ReadLog.user_id == self.reader_id)
        if self.case_id is not None:
            found.append(ReadLog.case_id == self.case_id)
        if self.kind:
            found.append(ReadLog.kind == self.kind)
        if self.date_from:
            found.append(ReadLog.read_at >= clock.utc_start_of(self.date_from))
        if self.date_to:
            found.append(ReadLog.read_at < clock.utc_start_of(self.date_to + timedelta(days=1)))
        return found




def _scoped(statement):
    # A case is in the subtree where its branch is now; an export or a branch's printout where
    # the unit it covered is.
    return (statement.outerjoin(Case, Case.id == ReadLog.case_id)
            .join(Unit, Unit.id == func.coalesce(Case.branch_id, ReadLog.unit_id)))


def reads_statement(filters):
    """The rows of the audit page, newest first (the primary key is the order of writing)."""
    reader = aliased(User)
    statement = select(ReadLog.id, ReadLog.user_id, ReadLog.seq, ReadLog.kind, ReadLog.case_id, ReadLog.detail,
                       ReadLog.row_count, ReadLog.read_at, ReadLog.address, Case.full_name,
                       Unit.name.label("unit_name"), reader.display_name.label("reader_name"),
                       reader.username.label("reader_username")).select_from(ReadLog)
    return (_scoped(statement).join(reader, reader.id == ReadLog.user_id)
            .where(*filters.conditions()).order_by(ReadLog.id.desc()))


def reads_count_statement(filters):
    return _scoped(select(func.count()).select_from(ReadLog)).where(*filters.conditions())


def kind_label(kind):
    return KIND_LABELS.get(kind, kind)


# --- the walk of the chains ----------------------------------------------------------------------



@dataclass(frozen=True)
class ReadBreak:
    """The first broken row of a user's chain, as pipeline.audit.verify.Break is for a case: for a
    deletion `seq` is the first missing position and `read` None; otherwise the row at `seq`."""
    user_id: int
    seq: int
    kind: str
    read: str | None  # the kind of read the row records
    case_id: int | None  # the case the row names, if any
    detail: object  # a sentence for the reader

    @property
    def kind_label(self):
        return BREAK_KIND_LABELS[self.kind]


@dataclass
class ReadReport:
    users: int = 0  # chains walked
    rows: int = 0
    breaks: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.breaks


class ReadChain:
    """One user's rows fed in seq order; after the first break the rest is not judged.

    What the walk cannot see: the newest rows of a user deleted (the rows left still chain up).
    Editing a row and recomputing the hashes after it needs the log key, which the database
    does not hold."""

    def __init__(self, user_id, key):
        self.user_id, self.key = user_id, key
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.seen = {GENESIS_HASH: 0}  # hash -> seq of the rows walked so far
        self.broken = None
        self.rows = 0

    def _break(self, seq, kind, row, detail):
        self.broken = ReadBreak(self.user_id, seq, kind, row.kind if row is not None else None,
                                row.case_id if row is not None else None, detail)

    def feed(self, row):
        self.rows += 1
        if self.broken:
            return
        if row.seq > self.expected_seq:
            last = row.seq - 1
            detail = (_l("read no. %(seq)d is missing from the log", seq=last) if last == self.expected_seq else
                      _l("reads no. %(first)d to %(last)d are missing from the log",
                         first=self.expected_seq, last=last))
            return self._break(self.expected_seq, DELETED, None, detail)
        content_ok = signing.same_digest(row.compute_hash(key=self.key), row.hash)
        if row.prev_hash == self.prev_hash and row.seq == self.expected_seq:
            if not content_ok:
                return self._break(row.seq, EDITED, row,
                                   _l("its content no longer matches its hash: it was changed after it was written"))
        elif row.prev_hash in self.seen:
            before = self.seen[row.prev_hash]
            return self._break(before + 1, INSERTED, row,
                               _l("read no. %(next)d was written after read no. %(before)d, so the rows between "
                                  "them were inserted later", next=row.seq, before=before))
        elif content_ok and row.seq > 1:
            return self._break(row.seq - 1, EDITED, None,
                               _l("it was changed and its hash recomputed, but read no. %(next)d still points "
                                  "to its original hash", next=row.seq))
        else:
            return self._break(row.seq, INSERTED, row,
                               _l("it is not linked to the read before it: the row was forged or inserted"))
        self.seen[row.hash] = row.seq
        self.prev_hash = row.hash
        self.expected_seq = row.seq + 1


def verify_reads(root=None, chunk=CHUNK):
    """Walk the read chains of the users of `root`'s subtree (every user when None): one
    statement, read `chunk` rows at a time in (user, seq) order, one chain in memory at a time.
    Raises signing.LogKeyMissing when no key is configured."""
    key = signing.current_key()
    statement = select(ReadLog).order_by(ReadLog.user_id, ReadLog.seq)
    if root is not None:
        statement = statement.where(ReadLog.user_id.in_(
            select(User.id).join(Unit, Unit.id == User.unit_id).where(subtree_filter(root))))
    report = ReadReport()
    walk_chains(statement, lambda row: row.user_id, lambda row: ReadChain(row.user_id, key),
                lambda chain: _close(chain, report), chunk)
    return report


def _close(chain, report):
    if chain is None:
        return
    report.users += 1
    report.rows += chain.rows
    if chain.broken:
        report.breaks.append(chain.broken)


def reader_names(user_ids):
    """user id -> (display name, username) for the users a report names: one statement, none
    when there are none."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(set(user_ids))))
    return {user_id: (name, username) for user_id, name, username in rows}
