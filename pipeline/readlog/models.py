"""The read log's table. Each row is one page, file or export served to a user that showed a
person's particulars. The database refuses UPDATE and DELETE on it (triggers, migration 0009), and
each row carries a keyed hash (pipeline.base.signing.seal) over its fields and the previous row of
the same user's chain, so that an edited, inserted or deleted row is named by `verify_reads`.

Why one chain per user, not one for the whole table: every page view appends a row, and a single
chain would make every view of every user read and extend the same head, serialising them all on
one lock (or failing them on one unique key). Per user, only the same user's parallel requests
(a few tabs) can meet on (user_id, seq), and the loser simply retries (pipeline.readlog.reads)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.base import signing
from pipeline.extensions import db

GENESIS_HASH = "0" * 64

# What was read. Pages of one case name the case; a list export or a branch's printout names the
# unit it covered (the list's filter) and how many rows it held.
CASE_PAGE = "case_page"
ACT_FORM = "act_form"
DOSSIER_PAGE = "dossier_page"
DOSSIER_ITEM = "dossier_item"
SCAN_FILE = "scan_file"
PRINTOUT = "printout"
PRINTOUT_PDF = "printout_pdf"
BRANCH_PDF = "branch_pdf"
EXPORT_CSV = "export_csv"
EXPORT_XLSX = "export_xlsx"
AUDIT_CASE = "audit_case"
KINDS = (CASE_PAGE, ACT_FORM, DOSSIER_PAGE, DOSSIER_ITEM, SCAN_FILE, PRINTOUT, PRINTOUT_PDF, BRANCH_PDF,
         EXPORT_CSV, EXPORT_XLSX, AUDIT_CASE)
DETAIL_LENGTH = 300
ADDRESS_LENGTH = 45  # the longest textual IPv6 address


class ReadLog(db.Model):
    __tablename__ = "read_log"
    __table_args__ = (
        UniqueConstraint("user_id", "seq", name="uq_read_log_user_seq"),
        Index("ix_read_log_candidate_id", "candidate_id"),
        Index("ix_read_log_unit_id", "unit_id"),
        CheckConstraint("kind IN (%s)" % ", ".join(f"'{kind}'" for kind in KINDS), name="kind_known"),
        CheckConstraint("row_count IS NULL OR row_count >= 0", name="row_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    seq: Mapped[int]  # 1, 2, 3... within the user's chain
    kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column("candidate_id", ForeignKey("candidate.id"))
    # The unit a list export or a branch's printout covered (a case is where its branch is now).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    detail: Mapped[str] = mapped_column(String(DETAIL_LENGTH), default="")  # a document's key, an export's filters
    row_count: Mapped[int | None]  # the rows of an export or the sheets of a printout
    read_at: Mapped[datetime]  # naive UTC, as the act log's recorded_at
    address: Mapped[str] = mapped_column(String(ADDRESS_LENGTH), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def compute_hash(self, seq=None, key=None):
        return read_hash(self, seq, key)


HASHED = ("user_id", "seq", "kind", "case_id", "unit_id", "detail", "row_count", "read_at", "address")


def canonical_payload(row, seq=None):
    """The canonical JSON the hash covers: the row's fields and the previous row's hash."""
    fields = {name: getattr(row, name) for name in HASHED}
    fields["read_at"] = row.read_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    fields["prev_hash"] = row.prev_hash
    if seq is not None:
        fields["seq"] = seq
    return signing.canonical_json(fields)


def read_hash(row, seq=None, key=None):
    return signing.seal(canonical_payload(row, seq), key)
