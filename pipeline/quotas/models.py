"""Admission quotas (chỉ tiêu) per unit and year: a number or a range ("6–8"), set by the
unit above. Stored as planned; achievements never overwrite them."""
from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.units.models import Unit


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
        return str(self.minimum) if self.minimum == self.maximum else f"{self.minimum}–{self.maximum}"
