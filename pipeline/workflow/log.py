"""The append-only act log. Each row carries a hash over its own content and the previous
row of the same case, so an edited, inserted or deleted row breaks the chain. Chains are
per case because the case row is already locked while acting: no global write bottleneck."""
import hashlib
import json
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db

GENESIS_HASH = "0" * 64


class CaseEvent(db.Model):
    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("candidate_id", "seq", name="uq_case_event_candidate_seq"),
        Index("ix_case_event_event_effective", "event", "effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"))
    seq: Mapped[int]  # 1, 2, 3... within the case
    event: Mapped[str] = mapped_column(String(40))
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
        return event_hash(
            prev_hash=self.prev_hash, candidate_id=self.candidate_id, seq=self.seq, event=self.event,
            from_stage=self.from_stage, to_stage=self.to_stage, actor_id=self.actor_id,
            recorded_at=self.recorded_at, effective_date=self.effective_date,
            reason=self.reason, data=self.data,
        )


def _canonical(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def event_hash(**fields):
    payload = json.dumps({k: _canonical(v) for k, v in fields.items()},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def verify_chain(events):
    """Walk one case's rows in seq order; return the first row that breaks the chain, or None."""
    prev = GENESIS_HASH
    for expected_seq, row in enumerate(events, start=1):
        if row.seq != expected_seq or row.prev_hash != prev or row.compute_hash() != row.hash:
            return row
        prev = row.hash
    return None


def replay_stage(events):
    """The stage a case is in after its acts, or None if the acts do not follow one another."""
    stage = None
    for row in events:
        if row.from_stage != stage:
            return None
        stage = row.to_stage
    return stage
