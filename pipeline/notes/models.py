"""The notes' table. A note is never edited or deleted: the database refuses UPDATE and DELETE
(triggers, migration 0014; on PostgreSQL the application's role may not even ask,
pipeline.audit.db_roles), and each note carries a keyed hash (pipeline.base.signing.seal) over its
fields and the previous note of the same case, so that `audit verify` names a note edited,
inserted or deleted behind the application's back (pipeline.notes.chain).

One chain per case, like the act log's: adding a note locks only its case's row."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.base import signing
from pipeline.extensions import db

GENESIS_HASH = "0" * 64
MAX_LENGTH = 2000  # characters: a remark, not a document (a document goes to the dossier)


class CaseNote(db.Model):
    __tablename__ = "case_note"
    __table_args__ = (
        UniqueConstraint("candidate_id", "seq", name="uq_case_note_candidate_seq"),
        CheckConstraint(f"length(text) BETWEEN 1 AND {MAX_LENGTH}", name="text_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"))
    seq: Mapped[int]  # 1, 2, 3... within the case's notes
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    written_on: Mapped[date]  # the note's date (the application's today when it was written)
    recorded_at: Mapped[datetime]  # naive UTC, as the act log's
    text: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # Shown with its author: read with the notes, one statement for a case's notes.
    author = relationship("User", lazy="joined")

    def compute_hash(self, seq=None, key=None):
        return note_hash(self, seq, key)

    @property
    def anchor(self):
        """Its id in the case's history: the page comes back to it once added."""
        return f"note-{self.seq}"


HASHED = ("case_id", "seq", "author_id", "written_on", "recorded_at", "text")


def note_payload(row, seq=None):
    """The canonical JSON the hash covers: the note's fields and the previous note's hash."""
    fields = {name: getattr(row, name) for name in HASHED}
    fields["written_on"] = row.written_on.isoformat()
    fields["recorded_at"] = row.recorded_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    fields["prev_hash"] = row.prev_hash
    if seq is not None:
        fields["seq"] = seq
    return signing.canonical_json(fields)


def note_hash(row, seq=None, key=None):
    return signing.seal(note_payload(row, seq), key)
