"""The tables of the process: the append-only log of acts (the truth), and the running
deadlines (a projection of it, pipeline.workflow.projection).

Each log entry carries a hash over its own content and the previous entry of the same case, so an
edited, inserted or deleted entry breaks the chain. The hash is an HMAC under the log key
(pipeline.base.signing), kept outside the database: whoever holds only the database cannot
recompute a chain after editing it. `log_key` keeps the key's fingerprint, to tell a wrong key
from a tampered log. Chains are per case because the case row is already locked while acting:
no global write bottleneck."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from pipeline.base.signing import canonical_json, key_fingerprint, seal
from pipeline.extensions import db

GENESIS_HASH = "0" * 64


class LogEntry(db.Model):
    """One act recorded on a case (the table keeps its first name, `case_event`)."""
    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("candidate_id", "seq", name="uq_case_event_candidate_seq"),
        # The admission counts (an act's entries of a period) read the case id from the index
        # alone: a key column rather than INCLUDE, so SQLite's index covers them too (0016).
        Index("ix_case_event_act_day_case", "event", "effective_date", "candidate_id"),
        # The void entries, few: "not voided" looks them up per case without reading the log.
        Index("ix_case_event_voids", "candidate_id", postgresql_where=text("event = 'void_act'"),
              sqlite_where=text("event = 'void_act'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"))
    seq: Mapped[int]  # 1, 2, 3... within the case
    act: Mapped[str] = mapped_column("event", String(40))  # the act's name (pipeline.workflow.definition)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]
    effective_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(db.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")

    def compute_hash(self):
        return entry_hash(self)


# The attributes the hash covers, and the names they had when the first entries were hashed.
HASHED = {"case_id": "candidate_id", "seq": "seq", "act": "event", "from_stage": "from_stage",
          "to_stage": "to_stage", "actor_id": "actor_id", "recorded_at": "recorded_at",
          "effective_date": "effective_date", "reason": "reason", "data": "data"}


def _canonical(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def entry_payload(row, seq=None):
    """The text a log entry's hash is computed over (its content and the previous hash), as if
    at `seq` when given."""
    fields = {hashed: getattr(row, name) for name, hashed in HASHED.items()}
    fields["prev_hash"] = row.prev_hash
    if seq is not None:
        fields["seq"] = seq
    return canonical_json({k: _canonical(v) for k, v in fields.items()})


def entry_hash(row, seq=None, key=None):
    """The hash of a log entry (or of a row with the same attributes), as if at `seq` when given:
    an HMAC under the log key (raises signing.LogKeyMissing without one)."""
    return seal(entry_payload(row, seq), key)


class LogKey(db.Model):
    """The fingerprint of the key the logs are sealed with (never the key itself), and since when:
    the newest row is the key in use."""
    __tablename__ = "log_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]

    @classmethod
    def of_current_key(cls, set_at=None):
        return cls(fingerprint=key_fingerprint(), set_at=set_at or datetime.utcnow())


class CaseDeadline(db.Model):
    """A deadline running for a case, as its log says (rebuilt by the act that changes it), so
    that the dashboard, the reminders and the reports count overdue cases with SQL. Working days
    cannot be counted in SQL (holidays, swapped days): the due dates are computed in Python."""
    __tablename__ = "case_deadline"
    __table_args__ = (Index("ix_case_deadline_due_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # a DeadlineRule key (pipeline.workflow.deadlines)
    stage: Mapped[str] = mapped_column(String(20))  # the case's stage when computed
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # the last day in time
    limit_value: Mapped[int]  # the rulebook's figure (working days or months)
    limit_unit: Mapped[str] = mapped_column(String(20))
    citation: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[bool] = mapped_column(default=True)

    case = relationship("Case", backref=backref("deadlines", order_by="CaseDeadline.id"))


class CaseSnapshot(db.Model):
    """A case's state as its log replays to, kept by the act that extends the log, in the same
    transaction (pipeline.workflow.snapshot): an act reads this row instead of the whole log, so
    its cost does not grow with the log. Its head (the newest entry's number, hash and time) is
    what the next entry chains to and what the chain-head digests read. A projection like the
    others: `audit verify` compares it with a fresh replay; an older-format snapshot is rebuilt
    from the log by the next act. Every case has one (its head at least): the chain-head digests
    read the heads here."""
    __tablename__ = "case_snapshot"

    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"), primary_key=True)
    head_seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    head_recorded_at: Mapped[datetime]
    # pipeline.workflow.snapshot.FORMAT when written; 0: the head only (migration 0018 wrote it
    # from the log, the state is written by the case's next act or `snapshots build`).
    format: Mapped[int]
    state: Mapped[dict | None] = mapped_column(db.JSON)

    case = relationship("Case", backref=backref("snapshot", uselist=False, lazy="select"))
