"""Admission quotas (chỉ tiêu) per unit and year: a number or a range ("6–8"), set by the
unit above. Stored as planned; achievements never overwrite them."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.base.formatting import format_quota


class Quota(db.Model):
    __tablename__ = "quota"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_quota_unit_year"),
        CheckConstraint("minimum >= 0 AND maximum >= minimum", name="range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int]
    minimum: Mapped[int]
    maximum: Mapped[int]
    set_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

    @property
    def label(self):
        return format_quota(self.minimum, self.maximum)


class QuotaChange(db.Model):
    """Every quota set, in order: the first one is the original plan, later ones adjustments,
    each with the quota it replaced. Rows are only ever added (nothing is lost when a quota is
    set again)."""
    __tablename__ = "quota_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int]
    minimum: Mapped[int]
    maximum: Mapped[int]
    previous_minimum: Mapped[int | None]
    previous_maximum: Mapped[int | None]
    set_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    set_by_user = relationship("User")

    __table_args__ = (Index("ix_quota_change_unit_year", "unit_id", "year"),)

    @property
    def label(self):
        return format_quota(self.minimum, self.maximum)

    @property
    def previous_label(self):
        return format_quota(self.previous_minimum, self.previous_maximum)
