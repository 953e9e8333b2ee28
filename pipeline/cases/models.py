"""A candidate case. The stage column is written by the workflow alone (pipeline.workflow)."""
from datetime import date, datetime

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.base.text import fold, name_sort_key, to_nfc
from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.workflow.stages import STAGE_NAMES, TERMINAL_STAGES

# Ordered: the eligibility rule compares ranks.
EDUCATION_LEVELS = {
    "primary": _l("Primary school"),
    "lower_secondary": _l("Lower secondary school"),
    "upper_secondary": _l("Upper secondary school"),
    "vocational": _l("Vocational / college"),
    "university": _l("University"),
    "postgraduate": _l("Postgraduate"),
}
EDUCATION_RANK = {code: rank for rank, code in enumerate(EDUCATION_LEVELS)}

SOURCE_ORGANISATIONS = {
    "youth_union": _l("Youth Union (Đoàn TN)"),
    "womens_union": _l("Women's Union (Hội LHPN)"),
    "farmers_union": _l("Farmers' Union (Hội Nông dân)"),
    "veterans_union": _l("Veterans' Association (Hội CCB)"),
    "trade_union": _l("Trade Union (Công đoàn)"),
    "other": _l("Other"),
}

# Compared byte by byte: PostgreSQL's language collations would skip the keys' separators.
SORT_KEY = String(600).with_variant(String(600, collation="C"), "postgresql")

SEXES = {"male": _l("Male"), "female": _l("Female")}


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Case(db.Model):
    __tablename__ = "candidate"
    __table_args__ = (
        CheckConstraint(_in("stage", STAGE_NAMES), name="stage_known"),
        CheckConstraint(_in("education", EDUCATION_LEVELS), name="education_known"),
        CheckConstraint(_in("source_organisation", SOURCE_ORGANISATIONS), name="source_known"),
        CheckConstraint(_in("sex", SEXES), name="sex_known"),
        # A case that left the pipeline always says why.
        CheckConstraint(
            "(" + _in("stage", TERMINAL_STAGES) + ") = (exit_reason IS NOT NULL)", name="exit_has_reason"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_candidate_branch_stage", "branch_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Accent- and case-free copy of the name for searching ("thang" finds "Thắng").
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    # Keys for listing names in Vietnamese order (pipeline.cases.ordering): by given name as
    # offices do, or by the name as written.
    sort_given_first: Mapped[str] = mapped_column(SORT_KEY, index=True)
    sort_full_name: Mapped[str] = mapped_column(SORT_KEY, index=True)
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(10))
    ethnicity: Mapped[str] = mapped_column(String(60), default="Kinh")
    education: Mapped[str] = mapped_column(String(20))
    occupation: Mapped[str] = mapped_column(String(200), default="")
    residence: Mapped[str] = mapped_column(String(300), default="")
    youth_union_member: Mapped[bool] = mapped_column(default=False)
    branch_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    source_organisation: Mapped[str] = mapped_column(String(20))
    helper_member: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(20), index=True)
    stage_entered_on: Mapped[date]
    exit_reason: Mapped[str | None] = mapped_column(String(1000))
    failed_branch_votes: Mapped[int] = mapped_column(default=0)
    # When the last act on the case was entered (any act, including those that keep the stage).
    last_recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    version: Mapped[int] = mapped_column(default=1)

    branch: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def education_label(self):
        return EDUCATION_LEVELS.get(self.education, self.education)

    @property
    def source_label(self):
        return SOURCE_ORGANISATIONS.get(self.source_organisation, self.source_organisation)

    @property
    def sex_label(self):
        return SEXES.get(self.sex, self.sex)


@event.listens_for(Case.full_name, "set", retval=True)
def _normalise_name(target, value, oldvalue, initiator):
    value = to_nfc(value)
    target.name_folded = fold(value)
    target.sort_given_first = name_sort_key(value)
    target.sort_full_name = name_sort_key(value, given_name_first=False)
    return value
