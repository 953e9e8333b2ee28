"""The figures of the year's report on the admission of new members, for a unit and a year up to
a day: the plan-and-actual rollup (pipeline.quotas.rollup) plus the training classes, the funnel,
the time cases spend in their stage and the stuck cases. Aggregates only: a fixed number of
statements whatever the number of cases.

Like the rollup, every figure reads the tree of the rollup's day (`Rollup.day`): each case in the
branch it belonged to then, placed where that branch stood then, so a reorganisation dated later
leaves the report as it was. The figures "as they stand now" (classes, time in stage, stuck
cases) are of the report's `today`; only their attribution to units is of that day."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from pipeline.analytics.sql import days_between, median_and_max
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.quotas.rollup import Rollup, rollup
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.units.history import as_of, cases_placed
from pipeline.units.models import Unit, UnitVersion
from pipeline.workflow.stages import MAIN_STAGES, STAGE_BY_NAME
from pipeline.workflow.stuck import stuck_condition, stuck_of

# The road to admission: the funnel and the time in stage cover the cases still on it.
ROAD_STAGES = tuple(s.name for s in MAIN_STAGES if s.name not in ("probation", "official"))
FUNNEL_STAGES = tuple(s.name for s in MAIN_STAGES)
STUCK_SHOWN = 100  # the longest-waiting stuck cases listed; the report gives the total too


@dataclass(frozen=True)
class ClassLine:
    id: int
    name: str
    organiser: str
    starts_on: date
    ends_on: date
    attendees: int  # enrolments of the report unit's cases


@dataclass(frozen=True)
class StageTime:
    stage: str
    cases: int
    median_days: float
    max_days: int

    @property
    def label(self):
        return STAGE_BY_NAME[self.stage].label


@dataclass
class YearReport:
    unit: Unit
    produced_on: date
    rollup: Rollup
    classes: list
    time_in_stage: list
    stuck: list
    stuck_total: int

    @property
    def attendees(self):
        return sum(line.attendees for line in self.classes)

    @property
    def funnel(self):
        """(stage, label, cases now) along the main road."""
        counts = self.rollup.stage_counts
        return [(name, STAGE_BY_NAME[name].label, counts.get(name, 0)) for name in FUNNEL_STAGES]


def training_classes(root, year, today, day):
    """The classes that started in `year` and not after `today` (a report written in October names
    the class that opened after its cut-off date too), organised inside the unit's subtree or
    attended by its cases (a commune's candidates go to the town's classes), with the number of
    the unit's cases enrolled. `root`: the unit as it was on `day` (its path then); the cases and
    the organiser are placed as they were on `day`."""
    in_root, _placed = cases_placed(day, root.path)
    attendees = (select(Enrolment.class_id, func.count().label("n")).select_from(in_root)
                 .join(Enrolment, Enrolment.case_id == Case.id)
                 .group_by(Enrolment.class_id).subquery())
    n = func.coalesce(attendees.c.n, 0)
    organiser, organiser_then = aliased(Unit), aliased(UnitVersion, name="organiser_then")
    organiser_path = func.coalesce(organiser_then.path, organiser.path)
    rows = db.session.execute(
        select(TrainingClass.id, TrainingClass.name, TrainingClass.organiser_name,
               func.coalesce(organiser_then.name, organiser.name), TrainingClass.starts_on, TrainingClass.ends_on, n)
        .join(organiser, organiser.id == TrainingClass.organiser_unit_id)
        .outerjoin(organiser_then, and_(organiser_then.unit_id == organiser.id, as_of(organiser_then, day)))
        .outerjoin(attendees, attendees.c.class_id == TrainingClass.id)
        .where(TrainingClass.starts_on.between(date(year, 1, 1), min(date(year, 12, 31), today)),
               or_(organiser_path.startswith(root.path, autoescape=True), n > 0))
        .order_by(TrainingClass.starts_on, TrainingClass.id)).all()
    return [ClassLine(id_, name, organiser_name or organiser_unit, starts, ends, count)
            for id_, name, organiser_name, organiser_unit, starts, ends, count in rows]


def time_in_stage(root, today, day):
    """Median and longest days in the current stage, per stage of the road, for the open cases
    of the unit's subtree as it was on `day`."""
    in_root, _placed = cases_placed(day, root.path)
    statement = median_and_max([Case.stage], days_between(Case.stage_entered_on, today),
                               where=Case.stage.in_(ROAD_STAGES), from_=in_root)
    found = {row.stage: StageTime(row.stage, row.count, (row.median_low + row.median_high) / 2, row.maximum)
             for row in db.session.execute(statement)}
    return [found[stage] for stage in ROAD_STAGES if stage in found]


def count_stuck(root, today, day):
    in_root, _placed = cases_placed(day, root.path)
    return db.session.execute(
        select(func.count()).select_from(in_root).where(stuck_condition(today))).scalar_one()


def stuck_list(root, today, day, limit=None):
    """The stuck cases of the subtree as it was on `day`, the longest in their stage first, each
    with its branch's name then and its reasons: two statements."""
    in_root, placed = cases_placed(day, root.path)
    return stuck_of(select(Case.id.label("case_id"), Case.full_name, placed.unit_id.label("branch_id"),
                           placed.name.label("branch_name"), Case.stage, Case.stage_entered_on)
                    .select_from(in_root).where(stuck_condition(today)), today, limit)


def year_report(unit, year, until, today):
    """Everything the report shows; `until` bounds the admissions counted, `today` the classes,
    the pool, the time in stage and the stuck cases (they are as they stand when it is written),
    all on the tree of the rollup's day."""
    figures = rollup(unit, year, until)
    root, day = figures.root.unit, figures.day
    stuck_total = count_stuck(root, today, day)
    return YearReport(
        unit=unit, produced_on=today, rollup=figures,
        classes=training_classes(root, year, today, day), time_in_stage=time_in_stage(root, today, day),
        # Counted first: with none stuck, the list is not asked for.
        stuck=stuck_list(root, today, day, limit=STUCK_SHOWN) if stuck_total else [],
        stuck_total=stuck_total)
