"""Political training classes (lớp bồi dưỡng nhận thức về Đảng) and who attended them."""
from datetime import date, datetime

from pipeline.base.i18n import lazy_gettext as _l, lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from pipeline.extensions import db
from pipeline.units.models import Unit

RESULTS = ("passed", "failed", "absent")
# "Passed" alone is also a vote's outcome (the timeline); a class result reads differently.
RESULT_LABELS = {"passed": lazy_pgettext("training result", "Passed"), "failed": _l("Failed"), "absent": _l("Absent")}


class TrainingClass(db.Model):
    __tablename__ = "training_class"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The unit whose political centre runs the class (the deciding level): its subtree may enrol.
    organiser_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    organiser_name: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Trung tâm Chính trị thị xã"
    place: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

    organiser_unit: Mapped[Unit] = relationship()
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="training_class")

    def is_open_to(self, unit):
        """Branches inside the organiser's subtree send candidates to the class."""
        return unit.path.startswith(self.organiser_unit.path)

    def open_for_enrolment(self, day):
        """Until its last day a class takes new attendees (the guard class_open_to_branch)."""
        return day <= self.ends_on


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("class_id", "candidate_id", name="uq_enrolment_class_candidate"),
        CheckConstraint("result IS NULL OR result IN ('passed', 'failed', 'absent')", name="result_known"),
        # A certificate is issued only to those who passed, and always with its number and date.
        CheckConstraint("(certificate_number IS NULL) = (certificate_date IS NULL)", name="certificate_whole"),
        CheckConstraint("certificate_number IS NULL OR result = 'passed'", name="certificate_needs_pass"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"))
    case_id: Mapped[int] = mapped_column("candidate_id", ForeignKey("candidate.id"), index=True)
    enrolled_on: Mapped[date]
    result: Mapped[str | None] = mapped_column(String(10))
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    certificate_date: Mapped[date | None]

    training_class: Mapped[TrainingClass] = relationship(back_populates="enrolments")
    case = relationship("Case", backref=backref("enrolments", order_by="Enrolment.id"))

    @property
    def result_label(self):
        return RESULT_LABELS.get(self.result, self.result) if self.result else ""
